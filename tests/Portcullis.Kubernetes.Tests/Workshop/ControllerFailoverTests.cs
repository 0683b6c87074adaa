namespace Portcullis.Kubernetes.Tests.Workshop;

using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Two `portcullis controller` replicas (real processes) against the test API server: only the Lease holder writes
/// status, and when it dies (killed, so it cannot hand the Lease back) the other takes the Lease once it expires
/// and writes the status of what changes afterwards.
/// </summary>
public sealed class ControllerFailoverTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Controller_LeaderKilled_SecondReplicaTakesTheLeaseAndWritesStatus()
    {
        await using var cluster = await WorkshopCluster.StartAsync();
        var crds = Path.Combine(Repo.Root, "src", "Portcullis.Model", "Manifests", "Crds");
        foreach (var crd in Directory.GetFiles(crds, "standard-*.yaml").Order(StringComparer.Ordinal))
        {
            await cluster.ApplyFileAsync(crd);
        }

        await WorkshopCluster.MustAsync(cluster.KubectlAsync("create", "namespace", "portcullis-system"));
        await cluster.ApplyAsync("gatewayclass.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata:
              name: portcullis
            spec:
              controllerName: portcullis.dev/gateway-controller
            """);

        var first = await cluster.StartControllerProcessAsync();
        var firstHolder = await LeaseHolderAsync(cluster, _ => true, "a first leader\n" + first.Output);
        var second = await cluster.StartControllerProcessAsync();
        await cluster.ApplyAsync("before.yaml", Gateway("before"));
        await GatewayProcess.EventuallyAsync(() => Task.FromResult(Accepted(cluster, "before")), "the leader to write the first Gateway's status\n" + first.Output);
        Assert.Equal(firstHolder, await LeaseHolderAsync(cluster, _ => true, "the Lease"));

        // The leader dies without handing the Lease back; the other replica waits out the Lease (15 s) and takes it.
        await first.DisposeAsync();
        var secondHolder = await LeaseHolderAsync(cluster, h => h != firstHolder, "the second replica to take the Lease\n" + second.Output);
        await cluster.ApplyAsync("after.yaml", Gateway("after"));

        await GatewayProcess.EventuallyAsync(() => Task.FromResult(Accepted(cluster, "after")), "the new leader to write the new Gateway's status\n" + second.Output, Settle);
        Assert.NotEqual(firstHolder, secondHolder);
        Assert.Contains(secondHolder, second.Output, StringComparison.Ordinal);
    }

    private static async Task<string> LeaseHolderAsync(WorkshopCluster cluster, Func<string, bool> wanted, string what)
    {
        string? holder = null;
        await GatewayProcess.EventuallyAsync(() =>
        {
            holder = (string?)cluster.Server.Get("coordination.k8s.io/v1", "leases", "portcullis-system", "portcullis-controller")?["spec"]?["holderIdentity"];
            return Task.FromResult(!string.IsNullOrEmpty(holder) && wanted(holder));
        }, what, Settle);
        return holder!;
    }

    private static bool Accepted(WorkshopCluster cluster, string gateway) =>
        cluster.Server.Get("gateway.networking.k8s.io/v1", "gateways", "default", gateway)?["status"]?["conditions"] is JsonArray conditions
        && conditions.Any(c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "True");

    private static string Gateway(string name) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {name}
          namespace: default
        spec:
          gatewayClassName: portcullis
          listeners:
          - name: http
            protocol: HTTP
            port: 8080
        """;
}
