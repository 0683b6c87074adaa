namespace Portcullis.Providers.Tests.File;

using Portcullis.Model.Manifests;
using Portcullis.Providers.File;

public class FileProviderTests
{
    private static bool HasService(ProviderUpdate u, string name, int? port = null) =>
        u.Snapshot.Services.Any(s => s.Metadata.Name == name && (port is null || s.Spec.Ports[0].Port == port));

    [Fact]
    public async Task WatchAsync_FirstUpdate_IsTheInitialDirectoryContent()
    {
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web"));
        await using var updates = new UpdateStream(new FileProvider(dir.Path));

        var first = await updates.NextAsync();

        Assert.NotNull(first);
        Assert.True(HasService(first, "web"));
    }

    [Fact]
    public async Task WatchAsync_FileAddedModifiedDeleted_EachIsPickedUp()
    {
        using var dir = new TestDirectory();
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        Assert.Empty((await updates.NextAsync())!.Snapshot.Services);

        dir.Write("svc.yaml", Manifests.Service("web", port: 80));
        await updates.UntilAsync(u => HasService(u, "web", 80));

        dir.Write("svc.yaml", Manifests.Service("web", port: 81));
        await updates.UntilAsync(u => HasService(u, "web", 81));

        dir.Delete("svc.yaml");
        var last = await updates.UntilAsync(u => u.Snapshot.Services.Count == 0);
        Assert.Empty(last.Diagnostics);
    }

    [Fact]
    public async Task WatchAsync_SaveByRenameAndReplace_IsPickedUp()
    {
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web", port: 80));
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        await updates.NextAsync();

        var temp = dir.Write(".svc.yaml.tmp", Manifests.Service("web", port: 82));
        System.IO.File.Move(temp, Path.Combine(dir.Path, "svc.yaml"), overwrite: true);

        var update = await updates.UntilAsync(u => HasService(u, "web", 82));
        Assert.Single(update.Snapshot.Services);
    }

    [Fact]
    public async Task WatchAsync_RenameIntoPlace_DoesNotWaitForTheQuietPeriod()
    {
        // A quiet period far longer than the test may take: only the complete-write settle can deliver the update.
        var options = new FileProviderOptions { QuietPeriod = TimeSpan.FromHours(1), MaxDelay = TimeSpan.FromHours(2) };
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web", port: 80));
        await using var updates = new UpdateStream(new FileProvider(dir.Path, options));
        await updates.NextAsync();

        var temp = dir.Write("svc.yaml.tmp", Manifests.Service("web", port: 82));
        System.IO.File.Move(temp, Path.Combine(dir.Path, "svc.yaml"), overwrite: true);

        var update = await updates.UntilAsync(u => HasService(u, "web", 82));
        Assert.Empty(update.Diagnostics);
    }

    [Fact]
    public async Task WatchAsync_InPlaceWriteInTwoParts_HalfWrittenFileIsNeverRead()
    {
        var options = new FileProviderOptions { QuietPeriod = TimeSpan.FromSeconds(2), MaxDelay = TimeSpan.FromSeconds(30) };
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web", port: 80));
        await using var updates = new UpdateStream(new FileProvider(dir.Path, options));
        await updates.NextAsync();

        var text = Manifests.Service("web", port: 83);
        var half = text.Length / 2; // cuts the manifest mid-document: read now, it would not parse or would lose fields
        await using (var stream = new FileStream(Path.Combine(dir.Path, "svc.yaml"), FileMode.Create, FileAccess.Write))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(text[..half]);
            await writer.FlushAsync();
            await Task.Delay(200); // far longer than the complete-write settle
            await writer.WriteAsync(text[half..]);
        }

        var update = await updates.NextAsync();
        Assert.NotNull(update);
        Assert.True(HasService(update, "web", 83));
        Assert.Empty(update.Diagnostics);
    }

    [Fact]
    public async Task WatchAsync_FileInNewSubdirectory_IsPickedUp()
    {
        using var dir = new TestDirectory();
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        await updates.NextAsync();

        dir.Write("team/apps/svc.yaml", Manifests.Service("deep"));

        await updates.UntilAsync(u => HasService(u, "deep"));
    }

    [Fact]
    public async Task WatchAsync_BurstOf50Writes_IsCoalescedIntoFewUpdates()
    {
        using var dir = new TestDirectory();
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        await updates.NextAsync();

        for (var i = 1; i <= 50; i++)
        {
            dir.Write("svc.yaml", Manifests.Service("web", port: 1000 + i));
        }

        await updates.UntilAsync(u => HasService(u, "web", 1050));
        Assert.InRange(updates.Count - 1, 1, 5);
    }

    [Fact]
    public async Task WatchAsync_BrokenManifestWhileServing_ReportsErrorAndKeepsLastGoodObjects()
    {
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web", port: 80));
        dir.Write("gw.yaml", Manifests.Gateway("gw"));
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        await updates.NextAsync();

        dir.Write("svc.yaml", Manifests.Broken);
        var update = await updates.UntilAsync(u => u.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error));

        Assert.True(HasService(update, "web", 80));
        Assert.Single(update.Snapshot.Gateways);
        Assert.Contains(update.Diagnostics, d => d.Source == "svc.yaml" && d.Message.Contains("keeping the last good version", StringComparison.Ordinal));

        dir.Write("svc.yaml", Manifests.Service("web", port: 90));
        var fixedUpdate = await updates.UntilAsync(u => HasService(u, "web", 90));
        Assert.Empty(fixedUpdate.Diagnostics);
    }

    [Fact]
    public async Task WatchAsync_SpecChange_BumpsGenerationButLabelChangeDoesNot()
    {
        using var dir = new TestDirectory();
        dir.Write("gw.yaml", Manifests.Gateway("gw", port: 80));
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        var first = (await updates.NextAsync())!.Snapshot.Gateways[0];

        dir.Write("gw.yaml", Manifests.Gateway("gw", port: 80).Replace("  name: gw", "  name: gw\n  labels: {a: b}", StringComparison.Ordinal));
        var labelled = (await updates.UntilAsync(u => u.Snapshot.Gateways[0].Metadata.Labels is not null)).Snapshot.Gateways[0];

        dir.Write("gw.yaml", Manifests.Gateway("gw", port: 8080));
        var changed = (await updates.UntilAsync(u => u.Snapshot.Gateways[0].Spec.Listeners[0].Port == 8080)).Snapshot.Gateways[0];

        Assert.Equal((1L, 1L, 2L), (first.Metadata.Generation, labelled.Metadata.Generation, changed.Metadata.Generation));
        Assert.Equal(first.Metadata.Uid, changed.Metadata.Uid);
    }

    [Fact]
    public async Task WatchAsync_DuplicateObjectAddedInSecondFile_IsReported()
    {
        using var dir = new TestDirectory();
        dir.Write("a.yaml", Manifests.Service("web", port: 1));
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        await updates.NextAsync();

        dir.Write("b.yaml", Manifests.Service("web", port: 2));

        var update = await updates.UntilAsync(u => u.Diagnostics.Count > 0);
        Assert.Contains("a.yaml", Assert.Single(update.Diagnostics).Message, StringComparison.Ordinal);
        Assert.True(HasService(update, "web", 1));
    }

    [Fact]
    public async Task WatchAsync_ChangeThatLeavesSnapshotEqual_YieldsNoUpdate()
    {
        using var dir = new TestDirectory();
        dir.Write("svc.yaml", Manifests.Service("web"));
        await using var updates = new UpdateStream(new FileProvider(dir.Path));
        await updates.NextAsync();

        dir.Write("notes.yaml.swp", "editor swap file");
        dir.Write("svc.yaml", Manifests.Service("web") + "\n# a comment\n");
        dir.Write("marker.yaml", Manifests.Service("marker"));

        // The first update after the no-op edits must already contain the marker.
        var next = await updates.NextAsync();
        Assert.NotNull(next);
        Assert.True(HasService(next, "marker"));
    }
}
