namespace Portcullis.Model.Tests;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

public class ResourceSnapshotTests
{
    private static Service Svc(string ns, string name) => new() { ApiVersion = "v1", Kind = "Service", Metadata = new() { Namespace = ns, Name = name } };

    private static HttpRoute Route(string ns, string name) =>
        new() { ApiVersion = "gateway.networking.k8s.io/v1", Kind = "HTTPRoute", Metadata = new() { Namespace = ns, Name = name } };

    [Fact]
    public void Create_FromPreviousSnapshot_GivesTheSameOrderAsASortedCreate()
    {
        var before = new KubernetesObject[] { Svc("b", "x"), Route("a", "r10"), Svc("a", "y"), Route("a", "r2"), Route("c", "r1") };
        var previous = ResourceSnapshot.Create(before);

        // r2 removed, r10 replaced by a new instance, two routes and a Namespace added, a Service added in between.
        var r10 = Route("a", "r10");
        var after = new KubernetesObject[]
        {
            Route("c", "r1"), r10, Svc("a", "y"), Svc("b", "x"), Route("a", "r3"), Route("0", "first"), Svc("a", "z"),
            new Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new() { Name = "a" } },
        };

        var incremental = ResourceSnapshot.Create(after, previous);
        var sorted = ResourceSnapshot.Create(after);

        Assert.Equal(sorted.All.Select(o => o.Ref), incremental.All.Select(o => o.Ref));
        Assert.Same(r10, incremental.HttpRoutes.Single(r => r.Metadata.Name == "r10"));
        Assert.Equal(["first", "r10", "r3", "r1"], incremental.HttpRoutes.Select(r => r.Metadata.Name));
    }

    [Fact]
    public void Create_FromPreviousSnapshot_WithNothingAddedKeepsEachObjectInItsPlace()
    {
        var previous = ResourceSnapshot.Create([Svc("a", "s2"), Svc("a", "s10"), Route("a", "r")]);
        var s2 = Svc("a", "s2");

        var next = ResourceSnapshot.Create([Route("a", "r"), s2, Svc("a", "s10")], previous);

        Assert.Equal(["s10", "s2"], next.Services.Select(s => s.Metadata.Name));
        Assert.Same(s2, next.Services[1]);
    }
}
