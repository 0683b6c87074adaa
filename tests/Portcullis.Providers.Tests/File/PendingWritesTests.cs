namespace Portcullis.Providers.Tests.File;

using Portcullis.Providers.File;

public class PendingWritesTests
{
    [Fact]
    public void AllComplete_TempFileWrittenThenRenamedIntoPlace_IsTrue()
    {
        var writes = new PendingWrites();
        writes.Add(new(WatcherChangeTypes.Created, "/d/a.yaml.tmp"));
        writes.Add(new(WatcherChangeTypes.Changed, "/d/a.yaml.tmp"));
        Assert.False(writes.AllComplete);

        writes.Add(new(WatcherChangeTypes.Renamed, "/d/a.yaml", "/d/a.yaml.tmp"));

        Assert.True(writes.AllComplete);
    }

    [Fact]
    public void AllComplete_FileChangedInPlace_IsFalse()
    {
        var writes = new PendingWrites();
        writes.Add(new(WatcherChangeTypes.Changed, "/d/a.yaml"));

        Assert.False(writes.AllComplete);
    }

    [Fact]
    public void AllComplete_EditorBackupThenNewFileWrittenInPlace_IsFalse()
    {
        // vim's default save: the original moves to a backup, the new content is written into a new file of the old name.
        var writes = new PendingWrites();
        writes.Add(new(WatcherChangeTypes.Renamed, "/d/a.yaml~", "/d/a.yaml"));
        writes.Add(new(WatcherChangeTypes.Created, "/d/a.yaml"));
        writes.Add(new(WatcherChangeTypes.Changed, "/d/a.yaml"));
        writes.Add(new(WatcherChangeTypes.Deleted, "/d/a.yaml~"));

        Assert.False(writes.AllComplete);
    }

    [Fact]
    public void AllComplete_InPlaceWriteThenReplacedByRename_IsTrue()
    {
        var writes = new PendingWrites();
        writes.Add(new(WatcherChangeTypes.Changed, "/d/a.yaml"));
        writes.Add(new(WatcherChangeTypes.Renamed, "/d/a.yaml", "/d/.a.yaml.swp"));

        Assert.True(writes.AllComplete);
    }

    [Fact]
    public void AllComplete_OnlyDeletions_IsTrue()
    {
        var writes = new PendingWrites();
        writes.Add(new(WatcherChangeTypes.Deleted, "/d/a.yaml"));

        Assert.True(writes.AllComplete);
    }

    [Fact]
    public void AllComplete_EventsLost_IsFalseAndAsksForRescan()
    {
        var writes = new PendingWrites();
        writes.Add(new(WatcherChangeTypes.Renamed, "/d/a.yaml", "/d/a.yaml.tmp"));
        writes.Add(WatchSignal.Rescan);

        Assert.False(writes.AllComplete);
        Assert.True(writes.Rescan);
    }
}
