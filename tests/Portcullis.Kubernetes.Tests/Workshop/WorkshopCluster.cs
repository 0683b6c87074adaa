namespace Portcullis.Kubernetes.Tests.Workshop;

using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;
using Portcullis.Kubernetes.TestServer;

/// <summary>
/// The workshop's cluster, played on one machine: the test API server, the real kubectl, the controller as a
/// process, and what a cluster's other parts would do, done by hand: the kubelet (starting `portcullis proxy`
/// for the provisioned Deployment), the cloud controller (writing the Service's load-balancer ingress) and the
/// endpoints controller (writing the backend's EndpointSlice).
/// </summary>
internal sealed class WorkshopCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private WorkshopCluster(TestApiServer server, string root)
    {
        Server = server;
        Root = root;
        Kubeconfig = server.WriteKubeconfig(Path.Combine(root, "kubeconfig"));
    }

    public TestApiServer Server { get; }

    public string Root { get; }

    public string Kubeconfig { get; }

    /// <summary>The load balancer's address: a loopback address of its own, as a LoadBalancer IP pool would hand out.</summary>
    public string LoadBalancerIp { get; } = Network.NewAddressPool().Replace(".0/26", ".10", StringComparison.Ordinal);

    public BackgroundProcess? Controller { get; private set; }

    public static async Task<WorkshopCluster> StartAsync()
    {
        var server = await TestApiServer.StartAsync();
        return new WorkshopCluster(server, Directory.CreateTempSubdirectory("portcullis-workshop-").FullName);
    }

    /// <summary>kubectl with this cluster's kubeconfig, its own discovery cache and HOME, in the workspace directory.</summary>
    public Task<ProcessResult> KubectlAsync(params string[] args) =>
        ProcessRunner.RunAsync("kubectl",
            ["--kubeconfig", Kubeconfig, "--cache-dir", Path.Combine(Root, "kube-cache"), .. args],
            TimeSpan.FromSeconds(60), Root, new Dictionary<string, string> { ["HOME"] = Root });

    /// <summary>
    /// `kubectl apply -f -` of the workshop, with the manifest in a file (the heredoc's text). --validate=false
    /// because the test server serves no OpenAPI document for kubectl to validate against.
    /// </summary>
    public async Task ApplyAsync(string name, string manifest)
    {
        var path = Path.Combine(Root, name);
        await File.WriteAllTextAsync(path, manifest);
        await ApplyFileAsync(path);
    }

    public Task ApplyFileAsync(string path) => MustAsync(KubectlAsync("apply", "--validate=false", "-f", path));

    public static async Task<ProcessResult> MustAsync(Task<ProcessResult> run)
    {
        var r = await run;
        Assert.True(r.ExitCode == 0, r.All);
        return r;
    }

    public async Task StartControllerAsync() => Controller = await StartControllerProcessAsync();

    /// <summary>A `portcullis controller` replica (its pod), once its admin endpoint answers.</summary>
    public async Task<BackgroundProcess> StartControllerProcessAsync()
    {
        var (controller, _) = await GatewayProcess.StartWithAdminAsync(
            [Repo.PortcullisDll, "controller", "--kubeconfig", Kubeconfig], "/healthz", TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["POD_NAMESPACE"] = "portcullis-system" });
        return Own(controller);
    }

    /// <summary>The kubelet's part: run the provisioned Deployment's container, bound to the load balancer's address.</summary>
    public async Task<BackgroundProcess> StartProxyAsync(string gateway)
    {
        // Ready once the first configuration is applied.
        var (proxy, _) = await GatewayProcess.StartWithAdminAsync(
            [Repo.PortcullisDll, "proxy", "--gateway", gateway, "--kubeconfig", Kubeconfig, "--bind", LoadBalancerIp], "/readyz", TimeSpan.FromSeconds(60));
        return Own(proxy);
    }

    /// <summary>The cloud controller's part: the LoadBalancer Service gets its ingress address.</summary>
    public void AssignLoadBalancerIp(string ns, string service)
    {
        var svc = Server.Get("v1", "services", ns, service) ?? throw new InvalidOperationException($"Service {ns}/{service} does not exist");
        svc["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = LoadBalancerIp }) } };
        Server.Put(svc);
    }

    /// <summary>The endpoints controller's part: the backend Service's EndpointSlice, pointing at the echo process.</summary>
    public void WriteEndpointSlice(string service, int port) =>
        Server.Put(new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = service + "-abc12",
                ["namespace"] = "default",
                ["labels"] = new JsonObject { ["kubernetes.io/service-name"] = service },
            },
            ["addressType"] = "IPv4",
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port, ["protocol"] = "TCP" }),
            ["endpoints"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray("127.0.0.1"),
                ["conditions"] = new JsonObject { ["ready"] = true },
            }),
        });

    public T Own<T>(T resource)
        where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public string Diagnostics() =>
        $"controller:\n{Controller?.Output}\n" + string.Join("\n", _owned.OfType<BackgroundProcess>().Where(p => p != Controller).Select(p => "process:\n" + p.Output));

    public async ValueTask DisposeAsync()
    {
        foreach (var o in Enumerable.Reverse(_owned))
        {
            await o.DisposeAsync();
        }

        await Server.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
