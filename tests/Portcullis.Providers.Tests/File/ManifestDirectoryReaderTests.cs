namespace Portcullis.Providers.Tests.File;

using Portcullis.Model.Core;
using Portcullis.Model.Manifests;
using Portcullis.Providers.File;

public class ManifestDirectoryReaderTests
{
    [Fact]
    public void Load_NestedDirectory_ReadsManifestsAndSkipsHiddenAndEditorFiles()
    {
        using var dir = new TestDirectory();
        dir.Write("a.yaml", Manifests.Service("a"));
        dir.Write("sub/b.yml", Manifests.Service("b"));
        dir.Write("sub/c.json", """{"apiVersion":"v1","kind":"Service","metadata":{"name":"c"},"spec":{"ports":[{"port":1}]}}""");
        dir.Write(".hidden.yaml", Manifests.Service("hidden1"));
        dir.Write(".git/d.yaml", Manifests.Service("hidden2"));
        dir.Write("a.yaml~", Manifests.Service("backup"));
        dir.Write(".#a.yaml", Manifests.Service("lock"));
        dir.Write("a.yaml.swp", "binary");
        dir.Write("4913", "vim probe");
        dir.Write("notes.txt", "not a manifest");

        var update = ManifestDirectoryReader.ReadOnce(dir.Path);

        Assert.Empty(update.Diagnostics);
        Assert.Equal(["a", "b", "c"], update.Snapshot.Services.Select(s => s.Metadata.Name));
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-8-bom")]
    [InlineData("utf-16")]
    public void Load_FileInAnyUnicodeEncoding_ReadsTheSameObjects(string encoding)
    {
        using var dir = new TestDirectory();
        var text = Manifests.Service("a") + "\n---\n" + Manifests.Service("b");
        var bytes = encoding switch
        {
            "utf-8" => System.Text.Encoding.UTF8.GetBytes(text),
            "utf-8-bom" => [.. System.Text.Encoding.UTF8.GetPreamble(), .. System.Text.Encoding.UTF8.GetBytes(text)],
            _ => [.. System.Text.Encoding.Unicode.GetPreamble(), .. System.Text.Encoding.Unicode.GetBytes(text)],
        };
        System.IO.File.WriteAllBytes(Path.Combine(dir.Path, "svc.yaml"), bytes);

        var update = ManifestDirectoryReader.ReadOnce(dir.Path);

        Assert.Empty(update.Diagnostics);
        Assert.Equal(["a", "b"], update.Snapshot.Services.Select(s => s.Metadata.Name));
    }

    [Fact]
    public void Load_ChangesAdditionsAndRemovalsAcrossReloads_GiveTheSnapshotOfAFreshRead()
    {
        using var dir = new TestDirectory();
        dir.Write("a.yaml", string.Join("\n---\n", Enumerable.Range(0, 12).Select(i => Manifests.Service($"s{i}", port: 80))));
        dir.Write("b.yaml", Manifests.Service("other", ns: "team"));
        var reader = new ManifestDirectoryReader(dir.Path);
        reader.Load();

        // A change in place and an addition (edited into the old snapshot), then a removal (built from every object).
        dir.Write("a.yaml", string.Join("\n---\n", Enumerable.Range(0, 13).Select(i => Manifests.Service($"s{i}", port: i == 3 ? 81 : 80))));
        var edited = reader.Load().Snapshot;
        dir.Delete("b.yaml");
        var removed = reader.Load().Snapshot;

        Assert.Equal(
            ManifestDirectoryReader.ReadOnce(dir.Path).Snapshot.All.Select(o => o.Ref),
            removed.All.Select(o => o.Ref));
        Assert.Equal(13 + 1 + 2, edited.All.Count()); // the services, the other one, namespaces default and team
        Assert.Equal(81, edited.Services.Single(s => s.Metadata.Name == "s3").Spec.Ports[0].Port);
        Assert.True(edited.Services.Select(s => s.Ref).SequenceEqual(edited.Services.Select(s => s.Ref).Order(ObjectRef.Comparer)));
    }

    [Fact]
    public void Load_ImplicitNamespaceAcrossReloads_IsTheSameObject()
    {
        using var dir = new TestDirectory();
        dir.Write("a.yaml", Manifests.Service("a", ns: "team"));
        var reader = new ManifestDirectoryReader(dir.Path);
        var first = reader.Load().Snapshot;

        dir.Write("b.yaml", Manifests.Service("b", ns: "team"));
        var second = reader.Load().Snapshot;

        Assert.Equal("team", Assert.Single(second.Namespaces).Metadata.Name);
        Assert.Same(first.Namespaces[0], second.Namespaces[0]);
    }

    [Fact]
    public void Load_FileLargerThanThePooledBuffers_IsReadWhole()
    {
        using var dir = new TestDirectory();
        var padding = "# " + new string('x', 1000) + "\n";
        var text = string.Concat(Enumerable.Repeat(padding, 4500)) + Manifests.Service("last"); // about 4.5 MB
        dir.Write("big.yaml", text);
        var reader = new ManifestDirectoryReader(dir.Path);
        reader.Load();

        dir.Write("big.yaml", text.Replace("name: last", "name: changed", StringComparison.Ordinal)); // read again: the pooled path
        var update = reader.Load();

        Assert.Empty(update.Diagnostics);
        Assert.Equal("changed", Assert.Single(update.Snapshot.Services).Metadata.Name);
    }

    [Fact]
    public void Load_Objects_GetStableUidCreationTimeGenerationAndResourceVersion()
    {
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web"));

        var first = new ManifestDirectoryReader(dir.Path).Load().Snapshot.Services[0];
        var again = new ManifestDirectoryReader(dir.Path).Load().Snapshot.Services[0];

        Assert.True(Guid.TryParse(first.Metadata.Uid, out _));
        Assert.Equal(first.Metadata.Uid, again.Metadata.Uid);
        Assert.NotNull(first.Metadata.CreationTimestamp);
        Assert.Equal(1, first.Metadata.Generation);
        Assert.False(string.IsNullOrEmpty(first.Metadata.ResourceVersion));
    }

    [Fact]
    public void Load_SpecChange_BumpsGenerationButLabelChangeOnlyBumpsResourceVersion()
    {
        using var dir = new TestDirectory();
        var reader = new ManifestDirectoryReader(dir.Path);
        dir.Write("svc.yaml", Manifests.Service("web", port: 80));
        var v1 = reader.Load().Snapshot.Services[0].Metadata;

        dir.Write("svc.yaml", Manifests.Service("web", port: 80, labels: "{team: a, extra: label}"));
        var v2 = reader.Load().Snapshot.Services[0].Metadata;

        dir.Write("svc.yaml", Manifests.Service("web", port: 8080, labels: "{team: a, extra: label}"));
        var v3 = reader.Load().Snapshot.Services[0].Metadata;

        Assert.Equal((1L, 1L, 2L), (v1.Generation, v2.Generation, v3.Generation));
        Assert.NotEqual(v1.ResourceVersion, v2.ResourceVersion);
        Assert.NotEqual(v2.ResourceVersion, v3.ResourceVersion);
        Assert.Equal(v1.CreationTimestamp, v3.CreationTimestamp);
    }

    [Fact]
    public void Load_UnchangedDirectory_KeepsResourceVersions()
    {
        using var dir = new TestDirectory();
        var reader = new ManifestDirectoryReader(dir.Path);
        dir.Write("svc.yaml", Manifests.Service("web"));

        var before = reader.Load().Snapshot.Services[0].Metadata.ResourceVersion;
        reader.InvalidateCache();
        var after = reader.Load().Snapshot.Services[0].Metadata.ResourceVersion;

        Assert.Equal(before, after);
    }

    [Fact]
    public void Load_NamespaceUsedButNotDeclared_IsSynthesizedAndAllNamespacesGetNameLabel()
    {
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web", ns: "apps") + "\n---\n" + Manifests.Service("api"));
        dir.Write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n  labels: {team: a}\n");

        var namespaces = ManifestDirectoryReader.ReadOnce(dir.Path).Snapshot.Namespaces;

        Assert.Equal(["apps", "default"], namespaces.Select(n => n.Metadata.Name));
        Assert.All(namespaces, n => Assert.Equal(n.Metadata.Name, n.Metadata.Labels![Namespace.NameLabel]));
        Assert.Equal("a", namespaces[0].Metadata.Labels!["team"]);
    }

    [Fact]
    public void Load_SameObjectInTwoFiles_ReportsBothFilesAndFirstFileWins()
    {
        using var dir = new TestDirectory();
        dir.Write("b.yaml", Manifests.Service("web", port: 2));
        dir.Write("a.yaml", Manifests.Service("web", port: 1));

        var update = ManifestDirectoryReader.ReadOnce(dir.Path);

        var error = Assert.Single(update.Diagnostics);
        Assert.Equal((DiagnosticSeverity.Error, "b.yaml"), (error.Severity, error.Source));
        Assert.Contains("a.yaml", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Assert.Single(update.Snapshot.Services).Spec.Ports[0].Port);
    }

    [Fact]
    public void Load_FileBrokenAfterLoadingFine_KeepsLastGoodObjectsAndSaysSo()
    {
        using var dir = new TestDirectory();
        var reader = new ManifestDirectoryReader(dir.Path);
        dir.Write("svc.yaml", Manifests.Service("web", port: 81));
        reader.Load();

        dir.Write("svc.yaml", Manifests.Broken);
        var update = reader.Load();

        Assert.Equal(81, Assert.Single(update.Snapshot.Services).Spec.Ports[0].Port);
        Assert.Contains(update.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && d.FieldPath == "spec.ports[0].port");
        Assert.Contains(update.Diagnostics, d => d.Message.Contains("keeping the last good version", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_FileBrokenFromTheStart_LoadsItsGoodDocumentsOnly()
    {
        using var dir = new TestDirectory();
        dir.Write("mixed.yaml", Manifests.Broken + "\n---\n" + Manifests.Service("ok"));

        var update = ManifestDirectoryReader.ReadOnce(dir.Path);

        Assert.Equal("ok", Assert.Single(update.Snapshot.Services).Metadata.Name);
        Assert.Equal(("mixed.yaml", 0), (Assert.Single(update.Diagnostics).Source, update.Diagnostics[0].DocumentIndex));
    }
}
