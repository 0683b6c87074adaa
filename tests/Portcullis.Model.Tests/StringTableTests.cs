namespace Portcullis.Model.Tests;

using System.Globalization;
using System.Text.Json;
using Portcullis.Model.Core;
using Portcullis.Model.Manifests;
using Portcullis.Model.Serialization;

public class StringTableTests
{
    [Fact]
    public void Get_RepeatedValue_ReturnsTheSameInstance()
    {
        var table = new StringTable(64);
        var first = table.Get("gateway.networking.k8s.io/v1".AsSpan());
        var second = table.Get("gateway.networking.k8s.io/v1".ToCharArray());
        Assert.Equal("gateway.networking.k8s.io/v1", first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Get_ManyDistinctValues_AlwaysReturnsEqualContentAndStaysWithinItsSlots()
    {
        // Far more values than slots: collisions evict, and every answer must still be the value asked for.
        var table = new StringTable(16);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 1000; i++)
            {
                var value = "host-" + i.ToString(CultureInfo.InvariantCulture);
                Assert.Equal(value, table.Get(value.AsSpan()));
            }
        }

        Assert.InRange(table.Count(), 1, table.Capacity);
    }

    [Fact]
    public void Get_LongValue_IsNotCached()
    {
        var table = new StringTable(16);
        var value = new string('x', StringTable.MaxLength + 1);
        var first = table.Get(value.AsSpan());
        Assert.Equal(value, first);
        Assert.NotSame(first, table.Get(value.AsSpan()));
        Assert.Equal(0, table.Count());
    }

    [Fact]
    public void Get_EmptyValue_ReturnsEmptyString() => Assert.Same(string.Empty, new StringTable(16).Get([]));

    [Fact]
    public void Constructor_SlotsNotAPowerOfTwo_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => new StringTable(100));

    [Fact]
    public void Get_ParallelUseWithCollisions_NeverReturnsAWrongValue()
    {
        // Few slots and many threads, so slots are overwritten while others read them.
        var table = new StringTable(8);
        var values = Enumerable.Range(0, 64).Select(i => "value-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var wrong = 0;
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, t =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var value = values[(i * 7 + t) % values.Length];
                if (!string.Equals(table.Get(value.AsSpan()), value, StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        });

        Assert.Equal(0, wrong);
        Assert.InRange(table.Count(), 1, table.Capacity);
    }

    [Fact]
    public void Deserialize_RecurringValuesAndDictionaryKeys_AreSharedAcrossObjects()
    {
        // A table of its own, so other tests filling the shared one in parallel cannot evict a value mid-test.
        var options = new JsonSerializerOptions(KubeJson.Strict);
        options.Converters.Remove(options.Converters.OfType<SharedStringConverter>().Single());
        options.Converters.Add(new SharedStringConverter(new StringTable(4096)));
        Secret Read(int i) => JsonSerializer.Deserialize<Secret>(
            $$$"""
            {"apiVersion":"v1","kind":"Secret","type":"kubernetes.io/tls",
             "metadata":{"name":"d{{{i}}}-cert","namespace":"default","labels":{"app":"bench"}},
             "data":{"tls.crt":"YQ==","tls.key":"Yg=="}}
            """, options)!;

        var (a, b) = (Read(0), Read(1));
        Assert.Equal("d0-cert", a.Metadata.Name);
        Assert.Equal("d1-cert", b.Metadata.Name);
        Assert.Same(a.ApiVersion, b.ApiVersion);
        Assert.Same(a.Kind, b.Kind);
        Assert.Same(a.Type, b.Type);
        Assert.Same(a.Metadata.Namespace, b.Metadata.Namespace);
        Assert.Same(a.Metadata.Labels!["app"], b.Metadata.Labels!["app"]);
        Assert.Same(a.Metadata.Labels!.Keys.Single(), b.Metadata.Labels!.Keys.Single());
        Assert.Same(a.Data!.Keys.First(k => k == "tls.crt"), b.Data!.Keys.First(k => k == "tls.crt"));
        Assert.Equal("a"u8.ToArray(), a.Data!["tls.crt"]);
    }

    [Fact]
    public void Deserialize_EscapedAndNonAsciiValues_ReadAsTheBuiltInConverterReadsThem()
    {
        var json = """{"apiVersion":"v1","kind":"Secret","type":"a\"b\u00e9","metadata":{"name":"n\u00e9-\u2603"}}""";
        var shared = JsonSerializer.Deserialize<Secret>(json, KubeJson.Strict)!;
        var builtIn = JsonSerializer.Deserialize<Secret>(json, KubeJson.Output)!;
        Assert.Equal("a\"b\u00e9", shared.Type);
        Assert.Equal(builtIn.Type, shared.Type);
        Assert.Equal(builtIn.Metadata.Name, shared.Metadata.Name);
    }

    [Fact]
    public void Deserialize_NumberWhereStringExpected_FailsAsTheBuiltInConverterDoes()
    {
        const string json = """{"apiVersion":"v1","kind":"Secret","type":5,"metadata":{"name":"n"}}""";
        var shared = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Secret>(json, KubeJson.Strict));
        var builtIn = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Secret>(json, KubeJson.Output));
        Assert.Equal(builtIn.Message, shared.Message);
        Assert.Equal("$.type", shared.Path);
    }

    [Fact]
    public void Read_Manifests_DecodeThroughTheSharedTable()
    {
        const string yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: backend\nspec:\n  ports:\n    - name: http\n      port: 80\n      targetPort: http\n";
        var result = ManifestReader.Read("test.yaml", yaml);
        var service = Assert.IsType<Service>(Assert.Single(result.Objects));
        Assert.Equal("default", service.Metadata.Namespace);
        Assert.Equal("http", service.Spec.Ports[0].TargetPort!.Value.StringValue);
        Assert.Contains(KubeJson.Strict.Converters, c => c is SharedStringConverter);
    }
}
