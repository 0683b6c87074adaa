namespace Portcullis.Translation.Tests;

using System.Runtime.CompilerServices;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Model.Manifests;
using Portcullis.Translation.Output;

/// <summary>
/// A <see cref="TranslationCache"/> must never change a result: every translation through one is compared with a
/// translation of the same snapshot without one (config and status), along a sequence of changes in which each
/// changed object is a new object and every other object is the same one, as the providers hand them over.
/// </summary>
public class TranslationCacheTests
{
    private static readonly string TestData = Path.Combine(SourceDirectory(), "testdata");

    [Theory]
    [MemberData(nameof(GoldenTests.Cases), MemberType = typeof(GoldenTests))]
    public void Translate_GoldenCaseThroughACache_EqualsTranslationWithout(string name)
    {
        var input = File.ReadAllText(Path.Combine(TestData, name + ".in.yaml"));
        var objects = input.Split('\n').TakeWhile(l => l.StartsWith('#'))
            .Where(l => l.TrimStart('#').Trim().StartsWith("include:", StringComparison.Ordinal))
            .SelectMany(l => l.TrimStart('#').Trim()["include:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .SelectMany(Read)
            .Concat(ManifestReader.Read(name, input).Objects)
            .ToList();
        var snapshot = ResourceSnapshot.Create(objects);
        var cache = new TranslationCache();

        AssertSame(Translator.Translate(snapshot, new TranslatorOptions()), Translator.Translate(snapshot, new TranslatorOptions(), cache));
        // The second time everything comes from the cache.
        AssertSame(Translator.Translate(snapshot, new TranslatorOptions()), Translator.Translate(snapshot, new TranslatorOptions(), cache));
    }

    [Fact]
    public void Translate_UnchangedObjects_ReusesRoutesCertificatesAndListeners()
    {
        var objects = Base();
        var cache = new TranslationCache();
        var first = Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        var second = Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        Assert.Equal(3, cache.ReusedRoutes);
        Assert.Equal(1, cache.ReusedCertificates);
        Assert.Equal(first.Config.Listeners.Count, second.Config.Listeners.Count);
        for (var i = 0; i < first.Config.Listeners.Count; i++)
        {
            Assert.Same(first.Config.Listeners[i], second.Config.Listeners[i]);
        }
    }

    [Fact]
    public void Translate_ReferenceGrantAdded_RouteToOtherNamespaceIsResolvedAgain()
    {
        var objects = Base();
        var grant = new ReferenceGrant
        {
            ApiVersion = "gateway.networking.k8s.io/v1beta1", Kind = "ReferenceGrant",
            Metadata = new ObjectMeta { Name = "from-app", Namespace = "backend", Generation = 1 },
            Spec = new ReferenceGrantSpec
            {
                From = [new ReferenceGrantFrom { Group = GatewayApiGroup.Name, Kind = HttpRoute.KindName, Namespace = "app" }],
                To = [new ReferenceGrantTo { Group = "", Kind = "Service" }],
            },
        };

        var (before, after) = ChangeThroughCache(objects, [.. objects, grant]);

        Assert.Contains("RefNotPermitted", Status(before, "app/api"), StringComparison.Ordinal);
        Assert.DoesNotContain("RefNotPermitted", Status(after, "app/api"), StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_ServicePortsChanged_RouteReadingTheServiceIsTranslatedAgain()
    {
        var objects = Base();
        var web = objects.OfType<Service>().Single(s => s.Metadata.Name == "web");
        var moved = web with { Spec = web.Spec with { Ports = [web.Spec.Ports[0] with { Port = 8081 }] } };

        var (before, after) = ChangeThroughCache(objects, Replace(objects, web, moved));

        Assert.DoesNotContain("BackendNotFound", Status(before, "default/web"), StringComparison.Ordinal);
        Assert.Contains("BackendNotFound", Status(after, "default/web"), StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_EndpointSliceChanged_RoutesGetTheNewEndpoints()
    {
        var objects = Base();
        var slice = objects.OfType<EndpointSlice>().Single();
        var changed = slice with { Endpoints = [slice.Endpoints[0] with { Addresses = ["127.0.0.12"] }] };

        var (before, after) = ChangeThroughCache(objects, Replace(objects, slice, changed));

        Assert.Contains("127.0.0.11", TranslationDump.ToYaml(before), StringComparison.Ordinal);
        Assert.Contains("127.0.0.12", TranslationDump.ToYaml(after), StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.11", TranslationDump.ToYaml(after), StringComparison.Ordinal);
    }

    [Fact]
    public void Translate_SecretContentChanged_ListenerGetsTheNewCertificate()
    {
        var objects = Base();
        var secret = objects.OfType<Secret>().Single(s => s.Metadata.Name == "example-cert");
        var other = Read("secrets/sample-cert.yaml").OfType<Secret>().Single();
        var rotated = secret with { Data = other.Data };

        var (before, after) = ChangeThroughCache(objects, Replace(objects, secret, rotated));

        var https = (Func<TranslationResult, Ir.TlsCertificate>)(r => r.Config.Listeners.Single(l => l.Protocol == Ir.ListenerProtocol.Https).Certificates.Single());
        Assert.NotEqual(https(before).DnsNames, https(after).DnsNames);
    }

    [Fact]
    public void Translate_SecretBrokenThenRepaired_ListenerFollowsEachTime()
    {
        var objects = Base();
        var secret = objects.OfType<Secret>().Single(s => s.Metadata.Name == "example-cert");
        var mismatched = secret with { Data = Read("secrets/mismatched-cert.yaml").OfType<Secret>().Single().Data };
        var broken = Replace(objects, secret, mismatched);

        var (_, after) = ChangeThroughCache(objects, broken);
        var (_, repaired) = ChangeThroughCache(broken, objects);

        Assert.DoesNotContain(after.Config.Listeners, l => l.Protocol == Ir.ListenerProtocol.Https);
        Assert.Contains(repaired.Config.Listeners, l => l.Protocol == Ir.ListenerProtocol.Https);
    }

    [Fact]
    public void Translate_RouteChangedAmongUnchanged_OnlyThatRouteIsTranslatedAgain()
    {
        var objects = Base();
        var api = objects.OfType<HttpRoute>().Single(r => r.Metadata.Name == "api");
        var changed = api with { Spec = api.Spec with { Hostnames = ["v2.example.com"] } };
        var cache = new TranslationCache();
        Translator.Translate(ResourceSnapshot.Create(objects), new TranslatorOptions(), cache);

        var snapshot = ResourceSnapshot.Create(Replace(objects, api, changed));
        var result = Translator.Translate(snapshot, new TranslatorOptions(), cache);

        Assert.Equal(2, cache.ReusedRoutes);
        AssertSame(Translator.Translate(snapshot, new TranslatorOptions()), result);
        Assert.Contains(result.Config.Listeners.SelectMany(l => l.Routes), r => r.Hostname == "v2.example.com");
    }

    [Fact]
    public void Translate_OptionsChanged_EqualsTranslationWithout()
    {
        var snapshot = ResourceSnapshot.Create(Base());
        var cache = new TranslationCache();
        Translator.Translate(snapshot, new TranslatorOptions(), cache);
        var options = new TranslatorOptions { ControllerName = "example.com/other" };

        AssertSame(Translator.Translate(snapshot, options), Translator.Translate(snapshot, options, cache));
    }

    /// <summary>Translates both snapshots in turn through one cache, checking each against a translation without one.</summary>
    private static (TranslationResult Before, TranslationResult After) ChangeThroughCache(List<KubernetesObject> before, List<KubernetesObject> after)
    {
        var cache = new TranslationCache();
        var a = ResourceSnapshot.Create(before);
        var b = ResourceSnapshot.Create(after);
        var first = Translator.Translate(a, new TranslatorOptions(), cache);
        AssertSame(Translator.Translate(a, new TranslatorOptions()), first);
        var second = Translator.Translate(b, new TranslatorOptions(), cache);
        AssertSame(Translator.Translate(b, new TranslatorOptions()), second);
        Assert.NotEqual(TranslationDump.ToYaml(first), TranslationDump.ToYaml(second));
        return (first, second);
    }

    private static void AssertSame(TranslationResult expected, TranslationResult actual)
    {
        Assert.Equal(expected.Config, actual.Config);
        Assert.Equal(TranslationDump.ToYaml(expected), TranslationDump.ToYaml(actual));
    }

    private static string Status(TranslationResult result, string route) =>
        string.Join(" ", result.Status.HttpRoutes.Single(s => $"{s.Key.Namespace}/{s.Key.Name}" == route).Value.Parents
            .SelectMany(p => p.Conditions).Select(c => $"{c.Type}={c.Status}/{c.Reason}"));

    private static List<KubernetesObject> Replace(List<KubernetesObject> objects, KubernetesObject old, KubernetesObject replacement) =>
        objects.Select(o => ReferenceEquals(o, old) ? replacement : o).ToList();

    private static List<KubernetesObject> Base() => [.. Read("cache/base.yaml"), .. Read("secrets/example-cert.yaml")];

    /// <summary>The objects of a testdata file, with generation 1 as the API server would set it.</summary>
    private static IEnumerable<KubernetesObject> Read(string file) =>
        ManifestReader.Read(file, File.ReadAllText(Path.Combine(TestData, file))).Objects
            .Select(o => o.Metadata.Generation == 0 ? o with { Metadata = o.Metadata with { Generation = 1 } } : o);

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
