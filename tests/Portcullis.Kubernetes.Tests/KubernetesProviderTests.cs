namespace Portcullis.Kubernetes.Tests;

using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Kubernetes.Tests.Support;
using Portcullis.Kubernetes.TestServer;
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
        // No bookmarks, so the Gateway informer's last resourceVersion stays that of its list; the Namespace written
        // next moves the server past it, and expiring the history then makes it too old: the resumed watch gets 410.
        await using var cluster = await TestCluster.StartAsync(new TestApiServerOptions { BookmarkInterval = TimeSpan.FromHours(1) });
        cluster.ApplyClassAndGateway();
        cluster.ApplyGateway("doomed");
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        await run.NextAsync(s => s.Gateways.Count == 2);
        cluster.Apply("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"later"}}""");
        await run.NextAsync(s => s.Namespaces.Any(n => n.Metadata.Name == "later"));
        var listsBefore = Lists(cluster);

        cluster.Server.ExpireWatchHistory();
        cluster.Server.DropWatches();
        cluster.ApplyGateway("created-meanwhile");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("gateway.networking.k8s.io", "v1", "default", "gateways", "doomed");

        var snapshot = await run.NextAsync(s => s.Gateways.Select(g => g.Metadata.Name).SequenceEqual(["created-meanwhile", "web"]));
        Assert.Single(snapshot.GatewayClasses);
        Assert.True(Lists(cluster) > listsBefore, "the Gateway informer listed again");
    }

    [Fact]
    public async Task WatchAsync_WatchesDroppedWithHistoryKept_ResumesFromLastResourceVersionWithoutListing()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        cluster.ApplyGateway("doomed");
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        await run.NextAsync(s => s.Gateways.Count == 2);
        var listsBefore = AllLists(cluster);
        var watchesBefore = GatewayWatches(cluster).Count;

        cluster.Server.DropWatches();
        cluster.ApplyGateway("created-meanwhile");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("gateway.networking.k8s.io", "v1", "default", "gateways", "doomed");

        var snapshot = await run.NextAsync(s => s.Gateways.Select(g => g.Metadata.Name).SequenceEqual(["created-meanwhile", "web"]));
        Assert.Single(snapshot.GatewayClasses);
        Assert.Equal(listsBefore, AllLists(cluster));
        var resumed = GatewayWatches(cluster).Skip(watchesBefore).First();
        Assert.Matches("resourceVersion=[1-9][0-9]*", resumed);
    }

    [Fact]
    public async Task WatchAsync_SecretsByName_ReadsOnlyTheGatewaysSecretsEachByNameAndFollowsTheGateway()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClass();
        cluster.Apply(HttpsGateway("cert"));
        foreach (var name in new[] { "cert", "other-cert", "next-cert" })
        {
            cluster.Apply($$$"""{"apiVersion":"v1","kind":"Secret","metadata":{"name":"{{{name}}}","namespace":"default"},"type":"kubernetes.io/tls","data":{"tls.crt":"QQ==","tls.key":"Qg=="}}""");
        }

        var proxy = Fast with { SecretsByName = s => GatewaySecrets.ReferencedBy(s, "default", "web") };
        await using var run = new ProviderRun(new KubernetesProvider(cluster.Client(), proxy, NullLogger.Instance));

        var first = await run.NextAsync(_ => true);
        Assert.Equal("cert", Assert.Single(first.Secrets).Metadata.Name);
        cluster.Apply(HttpsGateway("next-cert"));
        var next = await run.NextAsync(s => s.Secrets.Any(x => x.Metadata.Name == "next-cert"));
        Assert.Equal("next-cert", Assert.Single(next.Secrets).Metadata.Name);

        // Every Secret request names one Secret in its namespace: what a Role with resourceNames allows.
        var secretRequests = cluster.Server.Requests.Where(r => r.PathAndQuery.Split('?')[0].EndsWith("/secrets", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(secretRequests);
        Assert.All(secretRequests, r => Assert.Matches(@"^/api/v1/namespaces/default/secrets\?.*fieldSelector=metadata.name%3D(cert|next-cert)(&|$)", r.PathAndQuery));
    }

    private static string HttpsGateway(string secret) => $$$"""
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"web","namespace":"default"},
         "spec":{"gatewayClassName":"portcullis","listeners":[{"name":"https","protocol":"HTTPS","port":443,"tls":{"certificateRefs":[{"name":"{{{secret}}}"}]}}]}}
        """;

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

    // Every list request of any kind (not discovery, not watches).
    private static int AllLists(TestCluster cluster) =>
        cluster.Server.Requests.Count(r => r.Method == "GET" && !r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal)
            && r.PathAndQuery.Split('?')[0].Split('/') is [.., var last] && Portcullis.Kubernetes.Resources.ResourceKinds.All.Any(k => k.Plural == last));

    private static List<string> GatewayWatches(TestCluster cluster) =>
        [.. cluster.Server.Requests.Where(r => r.PathAndQuery.Split('?')[0].EndsWith("/gateways", StringComparison.Ordinal)
            && r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal)).Select(r => r.PathAndQuery)];

    // List requests (not watches) of gateways: each is one (re)list of the informer.
    private static int Lists(TestCluster cluster) =>
        cluster.Server.Requests.Count(r => r.Method == "GET" && r.PathAndQuery.Split('?')[0].EndsWith("/gateways", StringComparison.Ordinal)
            && !r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal));
}
