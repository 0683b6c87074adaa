namespace Portcullis.FunctionalTests.Infrastructure;

using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

/// <summary>
/// One `portcullis run` with TLS (passthrough, and HTTPS on the same port), TCP and UDP listeners, and
/// `portcullis echo` processes in echo-basic's TCP and UDP modes behind them, named like upstream's
/// conformance backends (tcp-backend-*, udp-backend-*). The TLS backend terminates TLS itself with a
/// certificate for abc.example.com the gateway never sees.
/// </summary>
public sealed class L4Gateway : IAsyncLifetime
{
    public const string Ns = "gateway-conformance-infra";
    public const string GatewayName = "gateway-tlsroute";
    public const string BackendHost = "abc.example.com";

    private readonly List<BackgroundProcess> _echoes = [];
    private Scenario? _scenario;

    public string Address { get; private set; } = "";

    /// <summary>TLS passthrough for *.example.com and HTTPS for www.example.com (the gateway's own certificate).</summary>
    public int TlsPort { get; } = Network.FreePort();

    /// <summary>Only a passthrough listener: an SNI no TLSRoute takes is closed.</summary>
    public int PassthroughOnlyPort { get; } = Network.FreePort();

    public int TcpPort { get; } = Network.FreePort();

    public int WeightedTcpPort { get; } = Network.FreePort();

    public int UdpPort { get; } = Network.FreePort();

    /// <summary>The backend's self-signed certificate (PEM), what a client trusts to reach it through passthrough.</summary>
    public string BackendCertificate { get; private set; } = "";

    internal WorkshopCertificate? GatewayCertificate { get; private set; }

    internal GatewayProcess Process => _scenario!.Gateway!;

    public async Task InitializeAsync()
    {
        _scenario = Scenario.Create();
        var s = _scenario;
        var certFile = Path.Combine(s.Certs, "backend.crt");
        var keyFile = Path.Combine(s.Certs, "backend.key");
        var r = await ProcessRunner.RunAsync("openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={BackendHost}",
             "-addext", $"subjectAltName=DNS:{BackendHost}", "-keyout", keyFile, "-out", certFile]);
        Assert.True(r.ExitCode == 0, r.All);
        BackendCertificate = await File.ReadAllTextAsync(certFile);
        GatewayCertificate = await WorkshopCertificate.CreateAsync(Path.Combine(s.Certs, "example"), "example");

        var v1 = await StartTcpEchoAsync("tcp-backend-v1-5d8f7c9b6-k2x1", certFile, keyFile);
        var v2 = await StartTcpEchoAsync("tcp-backend-v2-6c7d8e9f0-m3y2", null, null);
        var udp = await StartUdpEchoAsync("udp-backend-7b6a5c4d3-n4z3");

        s.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        s.Write("01-secret.yaml", GatewayCertificate.SecretYaml("example-cert").Replace("  name: example-cert", $"  name: example-cert\n  namespace: {Ns}", StringComparison.Ordinal));
        s.Write("02-l4.yaml", Manifest(v1, v2, udp));
        await s.StartGatewayAsync();
        await Process.WaitProgrammedAsync(GatewayName, Ns);
        Address = await Process.GatewayAddressAsync(GatewayName, Ns);
    }

    public async Task DisposeAsync()
    {
        foreach (var echo in _echoes)
        {
            await echo.DisposeAsync();
        }

        if (_scenario is not null)
        {
            await _scenario.DisposeAsync();
        }
    }

    public Task<JsonNode> RouteAsync(string plural, string name) =>
        Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{Ns}/{plural}/{name}");

    /// <summary>echo-basic's TCP exchange (upstream's tcp.EchoSendOnce): the welcome line, then TEST's JSON.</summary>
    public static async Task<JsonNode> TcpTestAsync(Stream stream)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
        Assert.Equal("Gateway API Test TCP Server", await reader.ReadLineAsync());
        await stream.WriteAsync("TEST\n"u8.ToArray());
        return JsonNode.Parse((await reader.ReadLineAsync())!)!;
    }

    private async Task<(int Tcp, int Tls)> StartTcpEchoAsync(string pod, string? certFile, string? keyFile)
    {
        var tcp = Network.FreePort();
        var tls = Network.FreePort();
        var env = new Dictionary<string, string>
        {
            ["TCP_ECHO_SERVER"] = "1",
            ["TCP_PORT"] = tcp.ToString(CultureInfo.InvariantCulture),
            ["TLS_PORT"] = tls.ToString(CultureInfo.InvariantCulture),
        };
        if (certFile is not null && keyFile is not null)
        {
            env["TLS_SERVER_CERT"] = certFile;
            env["TLS_SERVER_PRIV_KEY"] = keyFile;
        }

        await StartEchoAsync(pod, env, $"listening on port {tcp} (tcp)");
        return (tcp, tls);
    }

    private async Task<int> StartUdpEchoAsync(string pod)
    {
        var port = Network.FreePort();
        await StartEchoAsync(pod, new() { ["UDP_ECHO_SERVER"] = "1", ["UDP_PORT"] = port.ToString(CultureInfo.InvariantCulture) }, $"UDP server listening on :{port}");
        return port;
    }

    /// <summary>`portcullis echo` in one of echo-basic's modes (chosen by <paramref name="env"/>), once it says it listens.</summary>
    private async Task StartEchoAsync(string pod, Dictionary<string, string> env, string ready)
    {
        env["POD_NAME"] = pod;
        env["NAMESPACE"] = Ns;
        var process = BackgroundProcess.Start("dotnet", [Repo.PortcullisDll, "echo", "--address", "127.0.0.1"], env);
        _echoes.Add(process);
        await process.WaitForOutputAsync(ready, TimeSpan.FromSeconds(30));
    }

    private string Manifest((int Tcp, int Tls) v1, (int Tcp, int Tls) v2, int udp) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: {{GatewayName}}
          namespace: {{Ns}}
        spec:
          gatewayClassName: portcullis
          listeners:
            - name: https
              port: {{TlsPort}}
              protocol: TLS
              hostname: "*.example.com"
              allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }
              tls: { mode: Passthrough }
            - name: web
              port: {{TlsPort}}
              protocol: HTTPS
              hostname: www.example.com
              tls: { certificateRefs: [{ name: example-cert }] }
            - name: passthrough-only
              port: {{PassthroughOnlyPort}}
              protocol: TLS
              tls: { mode: Passthrough }
            - { name: tcp, port: {{TcpPort}}, protocol: TCP }
            - { name: tcp-weighted, port: {{WeightedTcpPort}}, protocol: TCP }
            - { name: udp, port: {{UdpPort}}, protocol: UDP }
        ---
        {{Service("tcp-backend", 8443, v1.Tls)}}
        ---
        {{Service("tcp-backend-v1", 3000, v1.Tcp)}}
        ---
        {{Service("tcp-backend-v2", 3000, v2.Tcp)}}
        ---
        {{Service("udp-backend", 8080, udp)}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata:
          name: gateway-conformance-infra-test
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: https }]
          hostnames: [{{BackendHost}}]
          rules:
            - backendRefs: [{ name: tcp-backend, port: 8443 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TLSRoute
        metadata:
          name: passthrough-only
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: passthrough-only }]
          hostnames: [{{BackendHost}}]
          rules:
            - backendRefs: [{ name: tcp-backend, port: 8443 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata:
          name: tlsroute-hostname-mismatch
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: https }]
          hostnames: [abc.example.org]
          rules:
            - backendRefs: [{ name: tcp-backend, port: 8443 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata:
          name: invalid-backend-ref-nonexistent
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: https }]
          hostnames: [nonexistent.example.com]
          rules:
            - backendRefs: [{ name: nonexistent, port: 8443 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: TCPRoute
        metadata:
          name: tcp-route
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: tcp }]
          rules:
            - backendRefs: [{ name: tcp-backend-v1, port: 3000 }]
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: TCPRoute
        metadata:
          name: tcp-weighted-route
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: tcp-weighted }]
          rules:
            - backendRefs:
                - { name: tcp-backend-v1, port: 3000, weight: 70 }
                - { name: tcp-backend-v2, port: 3000, weight: 30 }
                - { name: nonexistent, port: 3000, weight: 0 }
        ---
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: UDPRoute
        metadata:
          name: udp-route
          namespace: {{Ns}}
        spec:
          parentRefs: [{ name: {{GatewayName}}, sectionName: udp }]
          rules:
            - backendRefs: [{ name: udp-backend, port: 8080 }]
        """;

    private static string Service(string name, int port, int target) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {Ns}
        spec:
          clusterIP: 127.0.0.1
          ports:
            - port: {port}
              targetPort: {target}
        """;
}

/// <summary>The tests that share one <see cref="L4Gateway"/>.</summary>
[CollectionDefinition(Name)]
public sealed class L4Collection : ICollectionFixture<L4Gateway>
{
    public const string Name = "L4";
}
