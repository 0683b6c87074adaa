namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// One conformance test's world: a config directory holding our base manifests plus the test's manifests,
/// and the `portcullis run` process watching it. Upstream's `kubectl apply` is a file rewritten here.
/// </summary>
internal sealed class ConformanceGateway : IAsyncDisposable
{
    public const string ControllerName = "portcullis.dev/gateway-controller";
    private const string GatewayApi = "/apis/gateway.networking.k8s.io/v1";

    private readonly string _config;

    private ConformanceGateway(ConformanceBackends backends, string config)
    {
        Backends = backends;
        _config = config;
    }

    public ConformanceBackends Backends { get; }

    /// <summary>The port every HTTP listener of this run uses (upstream's 80).</summary>
    public int HttpPort { get; } = Network.FreePort();

    /// <summary>The port every HTTPS/TLS listener of this run uses (upstream's 443).</summary>
    public int HttpsPort { get; } = Network.FreePort();

    public GatewayProcess Process { get; private set; } = null!;

    public ConformanceRequests Requests { get; private set; } = null!;

    public static string Testdata(string file) =>
        File.ReadAllText(Path.Combine(Repo.Root, "tests", "Portcullis.FunctionalTests", "Conformance", "testdata", file));

    /// <summary>Writes base.yaml and the given testdata files, then starts the gateway on them.</summary>
    public static async Task<ConformanceGateway> StartAsync(ConformanceBackends backends, params string[] testdataFiles)
    {
        var config = Directory.CreateDirectory(Path.Combine(backends.Root, Guid.NewGuid().ToString("n")[..8])).FullName;
        var gw = new ConformanceGateway(backends, config);
        gw.Apply("00-base.yaml", Testdata("base.yaml"));
        foreach (var f in testdataFiles)
        {
            gw.Apply(f, Testdata(f));
        }

        gw.Process = await GatewayProcess.StartAsync(config, Network.NewAddressPool());
        gw.Requests = new ConformanceRequests(gw);
        return gw;
    }

    /// <summary>Like `kubectl apply -f`: writes (or rewrites, by rename as editors do) a manifest file.</summary>
    public void Apply(string fileName, string content)
    {
        var temp = Path.Combine(_config, "." + fileName + ".tmp");
        File.WriteAllText(temp, Fill(content));
        File.Move(temp, Path.Combine(_config, fileName), overwrite: true);
    }

    /// <summary>Like `kubectl delete -f`.</summary>
    public void Delete(string fileName) => File.Delete(Path.Combine(_config, fileName));

    private string Fill(string yaml)
    {
        var sb = new StringBuilder(yaml)
            .Replace("{HTTP_PORT}", HttpPort.ToString(CultureInfo.InvariantCulture))
            .Replace("{HTTPS_PORT}", HttpsPort.ToString(CultureInfo.InvariantCulture));
        foreach (var (service, port) in Backends.Ports)
        {
            sb.Replace($"{{PORT:{service}}}", port.ToString(CultureInfo.InvariantCulture));
        }

        foreach (var (secret, (cert, key)) in Backends.Certificates)
        {
            sb.Replace($"{{CERT:{secret}}}", Convert.ToBase64String(Encoding.ASCII.GetBytes(cert)))
              .Replace($"{{KEY:{secret}}}", Convert.ToBase64String(Encoding.ASCII.GetBytes(key)));
        }

        return sb.ToString();
    }

    public Task<JsonNode> GatewayAsync(string name, string ns = ConformanceBackends.InfraNamespace) =>
        Process.GetJsonAsync($"{GatewayApi}/namespaces/{ns}/gateways/{name}");

    public Task<JsonNode> HTTPRouteAsync(string name, string ns = ConformanceBackends.InfraNamespace) =>
        Process.GetJsonAsync($"{GatewayApi}/namespaces/{ns}/httproutes/{name}");

    public Task<JsonNode> GatewayClassAsync(string name) =>
        Process.GetJsonAsync($"{GatewayApi}/gatewayclasses/{name}");

    /// <summary>
    /// Polls an object until the check passes (returns null) or fails with the check's last complaint and the
    /// object as last seen, like upstream's wait.PollUntilContextTimeout helpers.
    /// </summary>
    public async Task<JsonNode> EventuallyAsync(Func<Task<JsonNode>> get, Func<JsonNode, string?> check, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        JsonNode? last = null;
        string? complaint = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await get();
                complaint = check(last);
                if (complaint is null)
                {
                    return last;
                }
            }
            catch (HttpRequestException e)
            {
                complaint = e.Message;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"{what}: {complaint}\nlast seen: {last?.ToJsonString()}\ngateway output:\n{Process.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (Process is not null)
        {
            await Process.DisposeAsync();
        }

        Requests?.Dispose();
        try
        {
            Directory.Delete(_config, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
