namespace Portcullis.Kubernetes.Tests.Hosting;

using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Kubernetes.Hosting;
using Portcullis.Kubernetes.Leadership;
using Portcullis.Kubernetes.Tests.Support;
using Portcullis.Model;
using Portcullis.Model.Serialization;
using Portcullis.Translation;

public class ControllerHostTests
{
    private static readonly ListLogger Log = new();

    [Fact]
    public async Task RunAsync_LeaderStops_SecondInstanceTakesOverAndWritesStatus()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Apply("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"portcullis-system"}}""");
        cluster.ApplyClassAndGateway();
        await using var first = Controller.Start(cluster, "first");
        await Eventually.TrueAsync(() => first.Host.IsLeader, "the first instance leads");
        await Eventually.TrueAsync(() => Accepted(first, "web"), "the leader wrote the Gateway's status");

        await using var second = Controller.Start(cluster, "second");
        await Eventually.TrueAsync(() => second.Host.Latest is not null, "the second instance translated");
        Assert.False(second.Host.IsLeader);

        await first.DisposeAsync();
        await Eventually.TrueAsync(() => second.Host.IsLeader, "the second instance took over");
        cluster.ApplyGateway("after-failover");

        await Eventually.TrueAsync(() => Accepted(second, "after-failover"), () => "the new leader wrote the new Gateway's status\n" + Log);
        Assert.Equal("second", (string?)cluster.Server.Get("coordination.k8s.io/v1", "leases", "portcullis-system", "portcullis-controller")?["spec"]?["holderIdentity"]);
    }

    [Fact]
    public async Task RunAsync_WithoutLeaderElection_WritesStatusAndProvisionsOnEveryChange()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        var provisioner = new CountingProvisioner();
        await using var only = Controller.Start(cluster, "only", provisioner, leaderElection: false);

        await Eventually.TrueAsync(() => Accepted(only, "web"), "status written without leader election");
        await Eventually.TrueAsync(() => provisioner.Calls > 0, "the provisioner was called");
        Assert.True(only.Host.IsLeader);
        cluster.ApplyGateway("later");
        await Eventually.TrueAsync(() => Accepted(only, "later"), () => "later\n" + Log);
    }

    [Fact]
    public async Task RunAsync_ProvisionerFailsWithNetworkErrorAndTimeout_KeepsReconcilingUntilItSucceeds()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.ApplyClassAndGateway();
        var provisioner = new FlakyProvisioner(new HttpRequestException("connection refused"), new TaskCanceledException("HttpClient timeout"));
        await using var only = Controller.Start(cluster, "flaky", provisioner, leaderElection: false, retryDelay: TimeSpan.FromMilliseconds(50));

        await Eventually.TrueAsync(() => provisioner.Succeeded, () => "the provisioner succeeded after two failures\n" + Log);
        cluster.ApplyGateway("later");
        await Eventually.TrueAsync(() => Accepted(only, "later"), () => "the loop still runs after the failures\n" + Log);
    }

    [Fact]
    public async Task RunAsync_ClassParametersMissing_ClassIsInvalidParametersUntilTheyAreCreated()
    {
        await using var cluster = await TestCluster.StartAsync();
        foreach (var crd in Yaml.ParseDocuments(File.ReadAllText(Path.Combine(RepoRoot(), "deploy", "crds", "portcullis.dev_gatewayparameters.yaml"))))
        {
            cluster.Server.Put(crd!.AsObject());
        }

        cluster.Apply("""
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GatewayClass","metadata":{"name":"portcullis"},
             "spec":{"controllerName":"CONTROLLER","parametersRef":{"group":"portcullis.dev","kind":"GatewayParameters","name":"defaults","namespace":"default"}}}
            """.Replace("CONTROLLER", TestCluster.ControllerName, StringComparison.Ordinal));
        await using var only = Controller.Start(cluster, "params", leaderElection: false, parametersRecheck: TimeSpan.FromMilliseconds(200));

        await Eventually.TrueAsync(() => ClassAccepted(cluster) is { Status: "False", Reason: "InvalidParameters" }, () => "InvalidParameters\n" + Log);
        cluster.Apply("""{"apiVersion":"portcullis.dev/v1alpha1","kind":"GatewayParameters","metadata":{"name":"defaults","namespace":"default"},"spec":{}}""");
        await Eventually.TrueAsync(() => ClassAccepted(cluster) is { Status: "True" }, () => "Accepted once the parameters exist\n" + Log);
    }

    private static Model.GatewayApi.Condition? ClassAccepted(TestCluster cluster)
    {
        var status = cluster.Server.Get("gateway.networking.k8s.io/v1", "gatewayclasses", null, "portcullis")?["status"];
        var accepted = TestCluster.Condition(status, "Accepted");
        return accepted is null ? null : new Model.GatewayApi.Condition { Status = (string?)accepted["status"] ?? "", Reason = (string?)accepted["reason"] ?? "" };
    }

    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    // Read from what the controller's informers saw (the patch came back through the watch), not by polling the server.
    private static bool Accepted(Controller controller, string gateway) =>
        controller.Host.Latest?.Update.Snapshot.Gateways.FirstOrDefault(g => g.Metadata.Name == gateway)?.Status?.Conditions
            .Any(c => c is { Type: "Accepted", Status: "True" }) == true;

    private sealed class CountingProvisioner : IGatewayProvisioner
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public Task ReconcileAsync(ResourceSnapshot snapshot, TranslationResult result, CancellationToken ct)
        {
            Interlocked.Increment(ref _calls);
            return Task.CompletedTask;
        }
    }

    /// <summary>Throws the given exceptions on its first calls, then succeeds.</summary>
    private sealed class FlakyProvisioner(params Exception[] failures) : IGatewayProvisioner
    {
        private int _calls;

        public bool Succeeded => Volatile.Read(ref _calls) > failures.Length;

        public Task ReconcileAsync(ResourceSnapshot snapshot, TranslationResult result, CancellationToken ct)
        {
            var call = Interlocked.Increment(ref _calls);
            return call <= failures.Length ? Task.FromException(failures[call - 1]) : Task.CompletedTask;
        }
    }

    /// <summary>One controller instance (as one replica would be) running in the background.</summary>
    private sealed class Controller : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _running = Task.CompletedTask;
        private bool _disposed;

        private Controller(ControllerHost host) => Host = host;

        public ControllerHost Host { get; }

        public static Controller Start(TestCluster cluster, string identity, IGatewayProvisioner? provisioner = null, bool leaderElection = true, TimeSpan? retryDelay = null, TimeSpan? parametersRecheck = null)
        {
            var client = cluster.Client();
            var options = new ControllerOptions
            {
                RetryDelay = retryDelay ?? new ControllerOptions().RetryDelay,
                ParametersRecheck = parametersRecheck ?? new ControllerOptions().ParametersRecheck,
                // Short terms so a takeover after an unclean stop would also happen within the test's patience.
                LeaderElection = leaderElection
                    ? new LeaderElectionOptions
                    {
                        Namespace = "portcullis-system",
                        Identity = identity,
                        LeaseDuration = TimeSpan.FromSeconds(3),
                        RenewDeadline = TimeSpan.FromSeconds(2),
                        RetryPeriod = TimeSpan.FromMilliseconds(250),
                    }
                    : null,
            };
            var provider = new KubernetesProvider(client, new KubernetesProviderOptions { QuietPeriod = TimeSpan.FromMilliseconds(50) }, new ListLoggerFactory(Log, identity).CreateLogger("provider"));
            var controller = new Controller(new ControllerHost(client, provider, options, provisioner ?? NoGatewayProvisioner.Instance, new ListLoggerFactory(Log, identity)));
            controller._running = Task.Run(() => controller.Host.RunAsync(controller._stop.Token));
            return controller;
        }

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stop.CancelAsync();
            try
            {
                await _running;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }
    }
}
