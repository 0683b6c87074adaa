namespace Portcullis.Kubernetes.Tests;

using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Kubernetes.Tests.Support;
using Portcullis.Model;

public class KubernetesProviderTests
{
    private static readonly KubernetesProviderOptions Fast = new() { QuietPeriod = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task WatchAsync_InitialList_FirstSnapshotHoldsEveryKindButOnlyTlsSecrets()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        cluster.Apply("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"apps","labels":{"team":"a"}}}""");
        cluster.Apply("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"cert","namespace":"default"},"type":"kubernetes.io/tls","data":{"tls.crt":"QQ==","tls.key":"Qg=="}}""");
        cluster.Apply("""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"password","namespace":"default"},"type":"Opaque","data":{"p":"QQ=="}}""");
        cluster.Apply("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"echo","namespace":"apps"},"spec":{"ports":[{"port":80}]}}""");
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r","namespace":"default"},
             "spec":{"parentRefs":[{"name":"web"}],"rules":[{"backendRefs":[{"name":"echo","namespace":"apps","port":80}]}]}}
            """);
        await using var run = new ProviderRun(new KubernetesProvider(cluster.Client(), Fast, NullLogger.Instance));

        var snapshot = await run.NextAsync(_ => true);

        Assert.Equal("portcullis", Assert.Single(snapshot.GatewayClasses).Metadata.Name);
        Assert.Equal("web", Assert.Single(snapshot.Gateways).Metadata.Name);
        Assert.Equal("r", Assert.Single(snapshot.HttpRoutes).Metadata.Name);
        Assert.Equal("cert", Assert.Single(snapshot.Secrets).Metadata.Name);
        Assert.Equal("echo", Assert.Single(snapshot.Services).Metadata.Name);
        Assert.Contains(snapshot.Namespaces, n => n.Metadata.Name == "apps" && n.Metadata.Labels?["team"] == "a");
        Assert.All(snapshot.All, o => Assert.False(string.IsNullOrEmpty(o.Kind)));
    }

    [Fact]
    public async Task WatchAsync_ObjectChangedAfterFirstSnapshot_YieldsNewSnapshot()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        await using var run = new ProviderRun(new KubernetesProvider(cluster.Client(), Fast, NullLogger.Instance));
        await run.NextAsync(s => s.Gateways.Count == 1);

        cluster.ApplyGateway("second");

        var snapshot = await run.NextAsync(s => s.Gateways.Count == 2);
        Assert.Equal(["second", "web"], snapshot.Gateways.Select(g => g.Metadata.Name));
    }

    [Fact]
    public async Task WatchAsync_HistoryExpiredAndWatchesDropped_RelistsAndLosesNothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        cluster.ApplyGateway("doomed");
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        await run.NextAsync(s => s.Gateways.Count == 2);
        var listsBefore = Lists(cluster);

        cluster.Server.ExpireWatchHistory();
        cluster.Server.DropWatches();
        cluster.ApplyGateway("created-meanwhile");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("gateway.networking.k8s.io", "v1", "default", "gateways", "doomed");

        var snapshot = await run.NextAsync(s => s.Gateways.Select(g => g.Metadata.Name).SequenceEqual(["created-meanwhile", "web"]));
        Assert.Single(snapshot.GatewayClasses);
        Assert.True(Lists(cluster) > listsBefore, "the informers listed again");
    }

    [Fact]
    public async Task WatchAsync_ReferenceGrantServedOnlyAsV1Beta1_IsReadThroughTheFallbackVersion()
    {
        await using var cluster = await TestCluster.StartAsync(referenceGrantV1: false);
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1beta1","kind":"ReferenceGrant","metadata":{"name":"grant","namespace":"apps"},
             "spec":{"from":[{"group":"gateway.networking.k8s.io","kind":"HTTPRoute","namespace":"default"}],"to":[{"group":"","kind":"Service"}]}}
            """);
        await using var run = new ProviderRun(new KubernetesProvider(cluster.Client(), Fast, NullLogger.Instance));

        var snapshot = await run.NextAsync(_ => true);

        var grant = Assert.Single(snapshot.ReferenceGrants);
        Assert.Equal(("gateway.networking.k8s.io/v1beta1", "ReferenceGrant"), (grant.ApiVersion, grant.Kind));
    }

    [Fact]
    public async Task WatchAsync_KindNotServedIsTheLastToList_FirstSnapshotStillComes()
    {
        // TCPRoute's CRD is not installed in the test cluster: its informer lists it as empty. With only that kind
        // watched it is necessarily the last informer to finish, and nothing else will ever signal the ready gate.
        await using var cluster = await TestCluster.StartAsync();
        var onlyTcpRoutes = Fast with { Kinds = [Portcullis.Kubernetes.Resources.ResourceKinds.TcpRoute] };
        await using var run = new ProviderRun(new KubernetesProvider(cluster.Client(), onlyTcpRoutes, NullLogger.Instance));

        var snapshot = await run.NextAsync(_ => true);

        Assert.Empty(snapshot.TcpRoutes);
    }

    // List requests (not watches) of gateways: each is one (re)list of the informer.
    private static int Lists(TestCluster cluster) =>
        cluster.Server.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Split('?')[0].EndsWith("/gateways", StringComparison.Ordinal)
            && !r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal));
}
