namespace Portcullis.Kubernetes.Tests.Status;

using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Kubernetes.Status;
using Portcullis.Kubernetes.Tests.Support;
using Portcullis.Model;
using Portcullis.Translation;

public class StatusWriterTests
{
    private readonly ListLogger _log = new();

    private static readonly KubernetesProviderOptions Fast = new() { QuietPeriod = TimeSpan.FromMilliseconds(50) };

    [Fact]
    public async Task WriteAsync_NewStatus_MergePatchesOnlyTheStatusSubresource()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.Gateways.Count == 1);
        var writer = new StatusWriter(client, TestCluster.ControllerName, _log);

        var patched = await writer.WriteAsync(snapshot, Translate(snapshot), CancellationToken.None);

        Assert.True(patched == 2, _log.ToString());
        var writes = Writes(cluster);
        Assert.Equal(2, writes.Count);
        Assert.All(writes, w => Assert.Equal(("PATCH", "application/merge-patch+json"), (w.Method, w.ContentType?.Split(';')[0])));
        Assert.All(writes, w => Assert.EndsWith("/status", w.PathAndQuery.Split('?')[0], StringComparison.Ordinal));
        Assert.Equal("True", (string?)TestCluster.Condition(cluster.Gateway("default", "web")?["status"], "Accepted")?["status"]);
    }

    [Fact]
    public async Task WriteAsync_StatusAlreadyCurrent_SendsNothing()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var first = await run.NextAsync(s => s.Gateways.Count == 1);
        var writer = new StatusWriter(client, TestCluster.ControllerName, _log);
        await writer.WriteAsync(first, Translate(first), CancellationToken.None);
        var written = await run.NextAsync(s => s.Gateways[0].Status?.Conditions.Count > 0 && s.GatewayClasses[0].Status?.Conditions.Count > 0);
        var writesBefore = Writes(cluster).Count;

        // A fresh writer (as after a restart) compares with what the cluster holds, not with its own memory.
        var patched = await new StatusWriter(client, TestCluster.ControllerName, _log)
            .WriteAsync(written, Translate(written), CancellationToken.None);

        Assert.Equal(0, patched);
        Assert.Equal(writesBefore, Writes(cluster).Count);
    }

    [Fact]
    public async Task WriteAsync_ConditionStatusUnchanged_KeepsLastTransitionTime_ChangedGetsNow()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClass();
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"Gateway","metadata":{"name":"web","namespace":"default"},
             "spec":{"gatewayClassName":"portcullis","listeners":[{"name":"http","protocol":"HTTP","port":8080}]},
             "status":{"conditions":[
               {"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2020-01-01T00:00:00Z"},
               {"type":"Programmed","status":"Unknown","reason":"Pending","message":"","lastTransitionTime":"2020-01-01T00:00:00Z"}]}}
            """);
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.Gateways.Count == 1);
        var report = Translate(snapshot);
        Assert.Equal("True", report.Gateways.Values.Single().Conditions.Single(c => c.Type == "Accepted").Status);

        await new StatusWriter(client, TestCluster.ControllerName, _log).WriteAsync(snapshot, report, CancellationToken.None);

        var status = cluster.Gateway("default", "web")?["status"];
        Assert.StartsWith("2020-01-01T00:00:00", (string?)TestCluster.Condition(status, "Accepted")?["lastTransitionTime"], StringComparison.Ordinal);
        Assert.DoesNotContain("2020", (string?)TestCluster.Condition(status, "Programmed")?["lastTransitionTime"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteAsync_RouteWithAnotherControllersParent_KeepsThatParentStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r","namespace":"default"},
             "spec":{"parentRefs":[{"name":"web"},{"name":"theirs"}]},
             "status":{"parents":[{"parentRef":{"name":"theirs"},"controllerName":"example.com/other",
               "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2020-01-01T00:00:00Z"}]}]}}
            """);
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.HttpRoutes.Count == 1);

        await new StatusWriter(client, TestCluster.ControllerName, _log).WriteAsync(snapshot, Translate(snapshot), CancellationToken.None);

        var parents = cluster.Server.Get("gateway.networking.k8s.io/v1", "httproutes", "default", "r")?["status"]?["parents"] as JsonArray;
        Assert.NotNull(parents);
        Assert.Equal(["example.com/other", TestCluster.ControllerName], parents.Select(p => (string?)p?["controllerName"]));
        Assert.Equal("theirs", (string?)parents[0]?["parentRef"]?["name"]);
    }

    [Fact]
    public async Task WriteAsync_GrpcRoute_IsReadByItsInformerAndGetsItsParentStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GRPCRoute","metadata":{"name":"g","namespace":"default"},
             "spec":{"parentRefs":[{"name":"web"}]}}
            """);
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.GrpcRoutes.Count == 1);

        await new StatusWriter(client, TestCluster.ControllerName, _log).WriteAsync(snapshot, Translate(snapshot), CancellationToken.None);

        var status = cluster.Server.Get("gateway.networking.k8s.io/v1", "grpcroutes", "default", "g")?["status"];
        Assert.Equal(TestCluster.ControllerName, (string?)status?["parents"]?[0]?["controllerName"]);
        Assert.Equal("True", (string?)TestCluster.Condition(status?["parents"]?[0], "Accepted")?["status"]);
    }

    [Fact]
    public async Task WriteAsync_TlsRouteServedOnlyAsV1Alpha2_IsReadAndPatchedThroughThatVersion()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1alpha2","kind":"TLSRoute","metadata":{"name":"t","namespace":"default"},
             "spec":{"parentRefs":[{"name":"web"}],"hostnames":["tls.example.com"],"rules":[{"backendRefs":[{"name":"svc","port":443}]}]}}
            """);
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.TlsRoutes.Count == 1);

        await new StatusWriter(client, TestCluster.ControllerName, _log).WriteAsync(snapshot, Translate(snapshot), CancellationToken.None);

        // The Gateway's only listener is HTTP, so the route is not allowed there: what matters is that its status was
        // written, through the version the cluster serves.
        var parent = cluster.Server.Get("gateway.networking.k8s.io/v1alpha2", "tlsroutes", "default", "t")?["status"]?["parents"]?[0];
        Assert.Equal(TestCluster.ControllerName, (string?)parent?["controllerName"]);
        Assert.Equal("False", (string?)TestCluster.Condition(parent, "Accepted")?["status"]);
        Assert.Contains(Writes(cluster), r => r.PathAndQuery.StartsWith("/apis/gateway.networking.k8s.io/v1alpha2/namespaces/default/tlsroutes/t/status", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WriteAsync_XBackendTrafficPolicy_GetsItsAncestorAndKeepsAnotherControllersAncestor()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Apply("""
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition",
             "metadata":{"name":"xbackendtrafficpolicies.gateway.networking.x-k8s.io"},
             "spec":{"group":"gateway.networking.x-k8s.io","scope":"Namespaced",
               "names":{"kind":"XBackendTrafficPolicy","listKind":"XBackendTrafficPolicyList","plural":"xbackendtrafficpolicies","singular":"xbackendtrafficpolicy"},
               "versions":[{"name":"v1alpha1","served":true,"storage":true,"subresources":{"status":{}},
                 "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}]}}
            """);
        cluster.ApplyClassAndGateway();
        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"r","namespace":"default"},
             "spec":{"parentRefs":[{"name":"web"}],"rules":[{"backendRefs":[{"name":"svc","port":80}]}]}}
            """);
        cluster.Apply("""
            {"apiVersion":"gateway.networking.x-k8s.io/v1alpha1","kind":"XBackendTrafficPolicy","metadata":{"name":"p","namespace":"default"},
             "spec":{"targetRefs":[{"group":"","kind":"Service","name":"svc"}],"sessionPersistence":{"type":"Cookie"}},
             "status":{"ancestors":[{"ancestorRef":{"name":"theirs"},"controllerName":"example.com/other",
               "conditions":[{"type":"Accepted","status":"True","reason":"Accepted","message":"","lastTransitionTime":"2020-01-01T00:00:00Z"}]}]}}
            """);
        var client = cluster.Client();
        await using var run = new ProviderRun(new KubernetesProvider(client, Fast, NullLogger.Instance));
        var snapshot = await run.NextAsync(s => s.XBackendTrafficPolicies.Count == 1 && s.HttpRoutes.Count == 1);

        await new StatusWriter(client, TestCluster.ControllerName, _log).WriteAsync(snapshot, Translate(snapshot), CancellationToken.None);

        var ancestors = cluster.Server.Get("gateway.networking.x-k8s.io/v1alpha1", "xbackendtrafficpolicies", "default", "p")?["status"]?["ancestors"] as JsonArray;
        Assert.NotNull(ancestors);
        Assert.Equal(["example.com/other", TestCluster.ControllerName], ancestors.Select(a => (string?)a?["controllerName"]));
        Assert.Equal("web", (string?)ancestors[1]?["ancestorRef"]?["name"]);
    }

    private static StatusReport Translate(ResourceSnapshot snapshot) => Translator.Translate(snapshot, new TranslatorOptions()).Status;

    // Every request that could change an object: the writer must only ever PATCH /status.
    private static List<Portcullis.Kubernetes.TestServer.RecordedRequest> Writes(TestCluster cluster) =>
        cluster.Server.Requests.Where(r => r.Method is "PATCH" or "PUT" or "POST" && !r.PathAndQuery.Contains("customresourcedefinitions", StringComparison.Ordinal)).ToList();
}
