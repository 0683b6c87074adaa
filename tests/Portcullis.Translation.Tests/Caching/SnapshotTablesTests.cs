namespace Portcullis.Translation.Tests.Caching;

using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Translation.Caching;

/// <summary>Tables kept from one snapshot to the next must give what tables built afresh for the new snapshot give.</summary>
public class SnapshotTablesTests
{
    [Fact]
    public void Update_SecretsAddedChangedAndRemoved_GiveTheNewSnapshotsObjects()
    {
        var (a, b, c) = (Secret("a"), Secret("b"), Secret("c"));
        var tables = new SnapshotTables();
        tables.Update(ResourceSnapshot.Create([a, b, c]));
        var (b2, d) = (Secret("b"), Secret("d"));

        tables.Update(ResourceSnapshot.Create([a, b2, d]));

        Assert.Same(a, tables.Secrets.Get("default", "a"));
        Assert.Same(b2, tables.Secrets.Get("default", "b"));
        Assert.Null(tables.Secrets.Get("default", "c"));
        Assert.Same(d, tables.Secrets.Get("default", "d"));
    }

    [Fact]
    public void Update_UnsortedListWithADuplicate_IndexesAfreshAndTheLaterDuplicateWins()
    {
        var (a, b, b2) = (Secret("a"), Secret("b"), Secret("b"));
        var tables = new SnapshotTables();
        tables.Update(ResourceSnapshot.Create([a, b]));

        tables.Update(new ResourceSnapshot { Secrets = [b, a, b2] });

        Assert.Same(a, tables.Secrets.Get("default", "a"));
        Assert.Same(b2, tables.Secrets.Get("default", "b"));
    }

    [Fact]
    public void Update_SliceChanged_ReplacesOnlyItsServicesList()
    {
        var (web, api) = (Slice("web-1", "web"), Slice("api-1", "api"));
        var tables = new SnapshotTables();
        tables.Update(ResourceSnapshot.Create([web, api]));
        var webList = tables.Slices[("default", "web")];
        var apiList = tables.Slices[("default", "api")];
        var web2 = Slice("web-1", "web");

        tables.Update(ResourceSnapshot.Create([web2, api]));

        Assert.Same(apiList, tables.Slices[("default", "api")]);
        Assert.NotSame(webList, tables.Slices[("default", "web")]);
        Assert.Same(web, Assert.Single(webList)); // a result that read the old list still sees what it read
        Assert.Same(web2, Assert.Single(tables.Slices[("default", "web")]));
    }

    [Fact]
    public void Update_SliceMovedToAnotherService_LeavesTheOldServiceWithoutIt()
    {
        var tables = new SnapshotTables();
        tables.Update(ResourceSnapshot.Create([Slice("s-1", "web")]));

        tables.Update(ResourceSnapshot.Create([Slice("s-1", "api")]));

        Assert.False(tables.Slices.ContainsKey(("default", "web")));
        Assert.Single(tables.Slices[("default", "api")]);
    }

    private static Secret Secret(string name) =>
        new() { ApiVersion = "v1", Kind = "Secret", Metadata = new ObjectMeta { Name = name, Namespace = "default" } };

    private static EndpointSlice Slice(string name, string service) => new()
    {
        ApiVersion = "discovery.k8s.io/v1", Kind = "EndpointSlice",
        Metadata = new ObjectMeta { Name = name, Namespace = "default", Labels = new Dictionary<string, string> { [EndpointSlice.ServiceNameLabel] = service } },
    };
}
