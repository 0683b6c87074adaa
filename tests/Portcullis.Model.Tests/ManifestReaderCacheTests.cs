namespace Portcullis.Model.Tests;

using System.Text;
using Portcullis.Model.Manifests;

public class ManifestReaderCacheTests
{
    /// <summary>A file over the cached-read threshold: many Services, a List, a broken document, a skipped kind.</summary>
    private static string LargeFile(string brokenPort = "eighty", int changedIndex = -1)
    {
        var sb = new StringBuilder("# generated\n");
        for (var i = 0; i < 700; i++)
        {
            var port = i == changedIndex ? 9090 : 80;
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\nspec:\n  ports:\n    - name: http\n      port: {port}\n      targetPort: 8080\n");
        }

        sb.Append("---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: b}\n");
        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports:\n    - port: {brokenPort}\n");
        sb.Append("---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: skipped\n---\n");
        return sb.ToString();
    }

    private static string Json(Core.KubernetesObject o) =>
        System.Text.Json.JsonSerializer.Serialize(o, o.GetType(), Serialization.KubeJson.Output);

    private static void AssertSameResult(ManifestReadResult expected, ManifestReadResult actual)
    {
        // Records holding lists compare lists by reference, so compare what the objects serialize to.
        Assert.Equal(expected.Objects.Count, actual.Objects.Count);
        for (var i = 0; i < expected.Objects.Count; i++)
        {
            Assert.Equal(Json(expected.Objects[i]), Json(actual.Objects[i]));
        }

        Assert.Equal(expected.DocumentIndexes, actual.DocumentIndexes);
        Assert.Equal(expected.Diagnostics, actual.Diagnostics);
    }

    [Fact]
    public void Read_WithCache_GivesTheSameResultAsAWholeRead()
    {
        var text = LargeFile();
        Assert.True(text.Length > 64 * 1024);

        var whole = ManifestReader.Read("big.yaml", text);
        var cached = ManifestReader.Read("big.yaml", text, new DocumentCache());

        AssertSameResult(whole, cached);
        Assert.Contains(whole.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.FieldPath == "spec.ports[0].port");
        Assert.Equal(702, whole.Objects.Count); // 700 Services and the List's two Namespaces
    }

    [Fact]
    public void Read_AfterEditingOneDocument_RereadsOnlyItAndKeepsTheOtherObjects()
    {
        var cache = new DocumentCache();
        var before = ManifestReader.Read("big.yaml", LargeFile(), cache);
        var editedText = LargeFile(changedIndex: 7);

        var after = ManifestReader.Read("big.yaml", editedText, cache);

        AssertSameResult(ManifestReader.Read("big.yaml", editedText), after);
        Assert.NotSame(before.Objects[7], after.Objects[7]);
        Assert.Same(before.Objects[6], after.Objects[6]);
        Assert.Same(before.Objects[699], after.Objects[699]);
    }

    [Fact]
    public void Read_WithCache_YamlErrorIsReportedAtItsPositionInTheFile()
    {
        var text = LargeFile() + "apiVersion: v1\nkind: [unclosed\n";
        var whole = ManifestReader.Read("big.yaml", text);

        var cached = ManifestReader.Read("big.yaml", text, new DocumentCache());

        AssertSameResult(whole, cached);
        Assert.Contains("not valid YAML at line", Assert.Single(cached.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WithCache_DocumentsEndedByDotsAndCommentOnlySlicesGiveTheWholeReadsIndexes()
    {
        // "..." ends a document without "---", so one slice holds two documents; a slice of comments holds none.
        var text = LargeFile() + "# nothing here\n---\n# still nothing\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n...\n"
            + "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\n";

        var whole = ManifestReader.Read("big.yaml", text);
        var cached = ManifestReader.Read("big.yaml", text, new DocumentCache());

        AssertSameResult(whole, cached);
        Assert.Equal(["c", "d"], cached.Objects.TakeLast(2).Select(o => o.Metadata.Name));
    }

    [Fact]
    public void Read_RepeatedMappingKey_KeepsTheLastValue()
    {
        var result = ManifestReader.Read("svc.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: first\n  name: second\n");

        Assert.Equal("second", Assert.Single(result.Objects).Metadata.Name);
    }
    [Fact]
    public void ReadBytes_WithCache_GivesTheSameResultAsAWholeReadOfTheText()
    {
        // Multi-byte characters in every slice: slices are decoded one run at a time.
        var text = LargeFile().Replace("# generated", "# générée: ünïcödé ✓", StringComparison.Ordinal)
            .Replace("targetPort: 8080\n", "targetPort: 8080\n# é✓\n", StringComparison.Ordinal);

        var whole = ManifestReader.Read("big.yaml", text);
        var cached = ManifestReader.Read("big.yaml", Encoding.UTF8.GetBytes(text), new DocumentCache());

        AssertSameResult(whole, cached);
    }

    [Fact]
    public void ReadBytes_AfterEditingOneDocument_RereadsOnlyItAndKeepsTheOtherObjects()
    {
        var cache = new DocumentCache();
        var before = ManifestReader.Read("big.yaml", Encoding.UTF8.GetBytes(LargeFile()), cache);
        var editedText = LargeFile(changedIndex: 7);

        var after = ManifestReader.Read("big.yaml", Encoding.UTF8.GetBytes(editedText), cache);

        AssertSameResult(ManifestReader.Read("big.yaml", editedText), after);
        Assert.NotSame(before.Objects[7], after.Objects[7]);
        Assert.Same(before.Objects[6], after.Objects[6]);
        Assert.Same(before.Objects[699], after.Objects[699]);
    }

    [Fact]
    public void ReadBytes_YamlError_IsReportedAtItsPositionInTheFile()
    {
        var text = LargeFile() + "apiVersion: v1\nkind: [unclosed\n";

        var cached = ManifestReader.Read("big.yaml", Encoding.UTF8.GetBytes(text), new DocumentCache());

        AssertSameResult(ManifestReader.Read("big.yaml", text), cached);
        Assert.Contains("not valid YAML at line", Assert.Single(cached.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadBytes_DocumentsEndedByDotsAndCommentOnlySlices_GiveTheWholeReadsIndexes()
    {
        var text = LargeFile() + "# nothing here\n---\n# still nothing\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n...\n"
            + "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: d\n";

        var cached = ManifestReader.Read("big.yaml", Encoding.UTF8.GetBytes(text), new DocumentCache());

        AssertSameResult(ManifestReader.Read("big.yaml", text), cached);
        Assert.Equal(["c", "d"], cached.Objects.TakeLast(2).Select(o => o.Metadata.Name));
    }
}
