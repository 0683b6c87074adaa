namespace Portcullis.FunctionalTests.Infrastructure;

using System.Globalization;
using System.Text.Json.Nodes;

/// <summary>
/// The Gateways, routes and Services of upstream's provisional TCPRoute and UDPRoute conformance tests
/// (kubernetes-sigs/gateway-api conformance/tests/tcproute-*.yaml, udproute-*.yaml), with upstream's object names,
/// side by side in one `portcullis run`. Every Gateway gets its own loopback address from the pool and its listeners
/// free ports (upstream's fixed ports 9300-9321 and 5300-5301 would collide here).
/// To keep the suite light, upstream's TCP backends share four `portcullis echo` processes and its UDP backends two,
/// each echo named after the backend upstream's check expects where the test tells backends apart
/// (tcp-echo-one/two/three; udp-backend-v1/v2); <see cref="Backends"/> lists the mapping.
/// </summary>
public sealed class L4ConformanceGateway : IAsyncLifetime
{
    public const string Ns = "gateway-conformance-infra";
    public const string WebNs = "gateway-conformance-web-backend";
    public const string AppNs = "gateway-conformance-app-backend";

    /// <summary>Upstream backend (Service) name -> the echo pod that answers for it here.</summary>
    public static readonly IReadOnlyDictionary<string, string> Backends = new Dictionary<string, string>
    {
        ["tcp-attach-backend-1"] = "tcp-echo-one",
        ["tcp-attach-backend-2"] = "tcp-echo-two",
        ["tcp-echo-attach-all"] = "tcp-echo-three",
        ["udp-attach-backend-1"] = "udp-backend-v1",
        ["udp-attach-backend-2"] = "udp-backend-v2",
        ["udp-echo-attach-all"] = "udp-backend-v1",
        ["udp-echo-by-port"] = "udp-backend-v1",
        ["udp-echo-by-section"] = "udp-backend-v2",
    };

    private readonly List<BackgroundProcess> _echoes = [];
    private readonly Dictionary<string, int> _ports = [];
    private Scenario? _scenario;

    internal GatewayProcess Process => _scenario!.Gateway!;

    internal Scenario Scenario => _scenario!;

    /// <summary>The echo a pod name stands for: the name without its replica-set and pod suffixes.</summary>
    public static string BackendOf(string pod) => pod[..pod.LastIndexOf('-', pod.LastIndexOf('-') - 1)];

    /// <summary>The port a listener was given, by "gateway/listener".</summary>
    public int Port(string gateway, string listener) => _ports[$"{gateway}/{listener}"];

    /// <summary>The certificate the TLS backends present (PEM): what a passthrough client sees and trusts.</summary>
    public string BackendCertificate { get; private set; } = "";

    /// <summary>The gateway's certificate for tls.example.com (PEM): what a client of a Terminate listener sees.</summary>
    public string TerminateCertificate { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _scenario = Scenario.Create();
        BackendCertificate = await SelfSignedAsync("backend", "abc.example.com", "DNS:abc.example.com,DNS:*.example.com");
        TerminateCertificate = await SelfSignedAsync("terminate", "tls.example.com", "DNS:tls.example.com");
        var tlsBackend = await StartEchoAsync("tls-backend", Ns, "TCP", tls: true);
        var tlsBackend2 = await StartEchoAsync("tls-backend-2", Ns, "TCP", tls: true);
        var tcpBackend = await StartEchoAsync("tcp-backend", Ns, "TCP", tls: true);
        var tcp = new Dictionary<string, int>();
        foreach (var pod in new[] { "tcp-echo-one", "tcp-echo-two", "tcp-echo-three" })
        {
            tcp[pod] = await StartEchoAsync(pod, Ns, "TCP");
        }

        var web = await StartEchoAsync("tcp-reference-grant-backend", WebNs, "TCP");
        var udp1 = await StartEchoAsync("udp-backend-v1", Ns, "UDP");
        var udp2 = await StartEchoAsync("udp-backend-v2", Ns, "UDP");
        var udp3 = await StartEchoAsync("udp-echo-by-section-and-port", Ns, "UDP");
        var udpGranted = await StartEchoAsync("udp-echo-reference-grant", AppNs, "UDP");

        _scenario.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        _scenario.Write("01-services.yaml", string.Join("---\n",
            Service("tcp-echo-one", Ns, 3000, tcp["tcp-echo-one"]),
            Service("tcp-echo-two", Ns, 3000, tcp["tcp-echo-two"]),
            Service("tcp-echo-three", Ns, 3000, tcp["tcp-echo-three"]),
            Service("tcp-attach-backend-1", Ns, 3000, tcp["tcp-echo-one"]),
            Service("tcp-attach-backend-2", Ns, 3000, tcp["tcp-echo-two"]),
            Service("tcp-echo-attach-all", Ns, 3000, tcp["tcp-echo-three"]),
            Service("tcp-reference-grant-backend", WebNs, 3000, web),
            Service("tcp-invalid-xns-backend", WebNs, 3000, web),
            Service("udp-backend-v1", Ns, 8080, udp1, "UDP"),
            Service("udp-backend-v2", Ns, 8080, udp2, "UDP"),
            // Weight 0: it must get nothing, so nothing needs to answer on its port.
            Service("udp-backend-v3", Ns, 8080, Network.FreePort(), "UDP"),
            Service("udp-attach-backend-1", Ns, 8080, udp1, "UDP"),
            Service("udp-attach-backend-2", Ns, 8080, udp2, "UDP"),
            Service("udp-echo-no-reference-grant", AppNs, 8080, udp2, "UDP"),
            Service("udp-echo-attach-all", Ns, 8080, udp1, "UDP"),
            Service("udp-echo-by-port", Ns, 8080, udp1, "UDP"),
            Service("udp-echo-by-section", Ns, 8080, udp2, "UDP"),
            Service("udp-echo-by-section-and-port", Ns, 8080, udp3, "UDP"),
            Service("udp-echo-reference-grant", AppNs, 8080, udpGranted, "UDP")));
        _scenario.Write("02-routes.yaml", Routes());
        _scenario.Write("04-tls.yaml", TlsRoutes(tlsBackend.TlsPort, tlsBackend2.TlsPort, tcpBackend));
        await _scenario.StartGatewayAsync();
        foreach (var gateway in _ports.Keys.Select(k => k[..k.IndexOf('/', StringComparison.Ordinal)]).Distinct())
        {
            await Process.WaitProgrammedAsync(gateway, Ns);
        }
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

    public Task<JsonNode> GatewayAsync(string name) =>
        Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{Ns}/gateways/{name}");

    public Task<string> AddressAsync(string gateway) => Process.GatewayAddressAsync(gateway, Ns);

    /// <summary>`portcullis echo` in echo-basic's TCP or UDP mode; returns its port once it says it listens.</summary>
    private async Task<int> StartEchoAsync(string pod, string ns, string mode) => (await StartEchoAsync(pod, ns, mode, tls: false)).Port;

    /// <summary>
    /// As above; with <paramref name="tls"/>, the TCP echo also terminates TLS itself on a second port with
    /// <see cref="BackendCertificate"/> (what passthrough clients see).
    /// </summary>
    private async Task<(int Port, int TlsPort)> StartEchoAsync(string pod, string ns, string mode, bool tls)
    {
        var port = Network.FreePort();
        var tlsPort = Network.FreePort();
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var env = mode == "TCP"
            ? new Dictionary<string, string> { ["TCP_ECHO_SERVER"] = "1", ["TCP_PORT"] = portText, ["TLS_PORT"] = tlsPort.ToString(CultureInfo.InvariantCulture) }
            : new Dictionary<string, string> { ["UDP_ECHO_SERVER"] = "1", ["UDP_PORT"] = portText };
        if (tls)
        {
            env["TLS_SERVER_CERT"] = Path.Combine(_scenario!.Certs, "backend.crt");
            env["TLS_SERVER_PRIV_KEY"] = Path.Combine(_scenario.Certs, "backend.key");
        }
        env["POD_NAME"] = pod + "-7c9d8b6f5-x1y2z";
        env["NAMESPACE"] = ns;
        var process = BackgroundProcess.Start("dotnet", [Repo.PortcullisDll, "echo", "--address", "127.0.0.1"], env);
        _echoes.Add(process);
        await process.WaitForOutputAsync(mode == "TCP" ? $"listening on port {port} (tcp)" : $"UDP server listening on :{port}", TimeSpan.FromSeconds(30));
        return (port, tlsPort);
    }

    /// <summary>A self-signed certificate (openssl, as the seed makes them) and its key in Certs/NAME.crt|key; returns the PEM.</summary>
    private async Task<string> SelfSignedAsync(string name, string commonName, string subjectAltNames)
    {
        var cert = Path.Combine(_scenario!.Certs, name + ".crt");
        var key = Path.Combine(_scenario.Certs, name + ".key");
        var r = await ProcessRunner.RunAsync("openssl",
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", $"/CN={commonName}",
             "-addext", $"subjectAltName={subjectAltNames}", "-keyout", key, "-out", cert]);
        Assert.True(r.ExitCode == 0, r.All);
        return await File.ReadAllTextAsync(cert);
    }

    private string TlsSecret(string name) => $"""
        apiVersion: v1
        kind: Secret
        type: kubernetes.io/tls
        metadata:
          name: {name}
          namespace: {Ns}
        data:
          tls.crt: {Convert.ToBase64String(File.ReadAllBytes(Path.Combine(_scenario!.Certs, "terminate.crt")))}
          tls.key: {Convert.ToBase64String(File.ReadAllBytes(Path.Combine(_scenario.Certs, "terminate.key")))}

        """;

    /// <summary>A Gateway of TLS/HTTP/HTTPS listeners given as YAML flow maps, each on a free port remembered for the tests.</summary>
    private string FlowGateway(string name, params (string Listener, string Body)[] listeners)
    {
        var lines = new List<string>();
        var shared = 0;
        foreach (var (listener, body) in listeners)
        {
            // "port: SHARED" listeners share one port (mixed termination on one port); "port: FREE" get their own.
            var port = body.Contains("port: SHARED", StringComparison.Ordinal)
                ? shared = shared == 0 ? Network.FreePort() : shared
                : Network.FreePort();
            _ports[$"{name}/{listener}"] = port;
            var text = body.Replace("port: SHARED", $"port: {port}", StringComparison.Ordinal).Replace("port: FREE", $"port: {port}", StringComparison.Ordinal);
            lines.Add($"    - {{ name: {listener}, {text} }}");
        }

        return $"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: {name}
              namespace: {Ns}
            spec:
              gatewayClassName: portcullis
              listeners:

            """ + string.Join("\n", lines) + "\n";
    }

    private static string TlsRoute(string name, string parentRef, string hostnames, string backends) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: TLSRoute
        metadata:
          name: {{name}}
          namespace: {{Ns}}
        spec:
          parentRefs: [{ {{parentRef}} }]
          hostnames: [{{hostnames}}]
          rules:
            - backendRefs: [{{backends}}]

        """;

    /// <summary>upstream's tlsroute-*.yaml (hostname intersection, invalid refs, no matching listener, Terminate, mixed).</summary>
    private string TlsRoutes(int tlsBackend, int tlsBackend2, (int Port, int TlsPort) tcpBackend)
    {
        const string passthrough = "protocol: TLS, port: FREE, tls: { mode: Passthrough }, allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }";
        static string Passthrough(string? hostname) => (hostname is null ? "" : $"hostname: \"{hostname}\", ") + passthrough;
        var docs = new List<string>
        {
            Service("tls-backend", Ns, 443, tlsBackend),
            Service("tls-backend-2", Ns, 443, tlsBackend2),
            Service("tls-backend", "gateway-conformance-app-backend", 443, tlsBackend),
            NamedPorts("tcp-backend", ("tcp", 3000, tcpBackend.Port), ("tls", 8443, tcpBackend.TlsPort)),
            TlsSecret("tls-terminate-checks-certificate"),
            TlsSecret("tls-validity-checks-certificate"),
            // tlsroute-hostname-intersection.yaml
            FlowGateway("gw-tlsroute-exact-hostname-x-1", ("listener-exact-hostname", Passthrough("abc.example.com"))),
            FlowGateway("gw-tlsroute-more-specific-wc-hostname-x-2", ("listener-more-specific-wc-hostname", Passthrough("*.example.com"))),
            FlowGateway("gw-tlsroute-less-specific-wc-hostname-x-3", ("listener-less-specific-wc-hostname", Passthrough("*.com"))),
            FlowGateway("gw-tlsroute-empty-hostname-x-4", ("listener-empty-hostname", Passthrough(null))),
            TlsRoute("tlsroute-more-specific-wc-hostname-x-1", "name: gw-tlsroute-exact-hostname-x-1", "\"*.example.com\"", "{ name: tls-backend, port: 443 }"),
            TlsRoute("tlsroute-exact-hostname-x-2", "name: gw-tlsroute-more-specific-wc-hostname-x-2", "abc.example.com", "{ name: tls-backend, port: 443 }"),
            TlsRoute("tlsroute-less-specific-wc-hostname-x-2", "name: gw-tlsroute-more-specific-wc-hostname-x-2", "\"*.com\"", "{ name: tls-backend-2, port: 443 }"),
            TlsRoute("tlsroute-exact-hostname-x-3", "name: gw-tlsroute-less-specific-wc-hostname-x-3", "abc.example.com", "{ name: tls-backend, port: 443 }"),
            TlsRoute("tlsroute-more-specific-wc-hostname-x-3", "name: gw-tlsroute-less-specific-wc-hostname-x-3", "\"*.example.com\"", "{ name: tls-backend-2, port: 443 }"),
            TlsRoute("tlsroute-exact-hostname-x-4", "name: gw-tlsroute-empty-hostname-x-4", "abc.example.com", "{ name: tls-backend, port: 443 }"),
            TlsRoute("tlsroute-less-specific-wc-hostname-x-4", "name: gw-tlsroute-empty-hostname-x-4", "\"*.com\"", "{ name: tls-backend-2, port: 443 }"),
            // tlsroute-invalid-backendref-unknown-kind.yaml
            FlowGateway("gateway-tlsroute-invalid-backend-ref-unknown-kind", ("tls", Passthrough(null))),
            TlsRoute("invalid-backend-ref-unknown-kind", "name: gateway-tlsroute-invalid-backend-ref-unknown-kind", "example.com",
                "{ group: unknownkind.example.com, kind: NonExistent, name: tls-backend, port: 443 }"),
            // tlsroute-invalid-no-matching-listener.yaml
            FlowGateway("gateway-tlsroute-tls-passthrough-only", ("tls-passthrough", Passthrough(null))),
            FlowGateway("gateway-tlsroute-http-only", ("http", "port: FREE, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }")),
            FlowGateway("gateway-tlsroute-https-only", ("https", "port: FREE, protocol: HTTPS, allowedRoutes: { namespaces: { from: Same } }, tls: { mode: Terminate, certificateRefs: [{ name: tls-validity-checks-certificate }] }")),
            TlsRoute("tlsroute-not-allowed-protocol-http", "name: gateway-tlsroute-http-only", "tls.example.com", "{ name: tls-backend, port: 443 }"),
            TlsRoute("tlsroute-not-allowed-protocol-https", "name: gateway-tlsroute-https-only", "tls.example.com", "{ name: tls-backend, port: 443 }"),
            TlsRoute("tlsroute-no-matching-section-name", "name: gateway-tlsroute-tls-passthrough-only, sectionName: nonexistent-listener", "tls.example.com", "{ name: tls-backend, port: 443 }"),
            // tlsroute-invalid-reference-grant.yaml: five grants, each wrong in one way, none letting the route in.
            Grant("reference-grant-wrong-namespace", Ns, "gateway.networking.k8s.io", "TLSRoute", Ns, "\"\""),
            Grant("reference-grant-wrong-from-group", "gateway-conformance-app-backend", "not-the-group-youre-looking-for", "TLSRoute", Ns, "\"\""),
            Grant("reference-grant-wrong-from-kind", "gateway-conformance-app-backend", "gateway.networking.k8s.io", "Gateway", Ns, "\"\""),
            Grant("reference-grant-wrong-from-namespace", "gateway-conformance-app-backend", "gateway.networking.k8s.io", "TLSRoute", "not-the-namespace-youre-looking-for", "\"\""),
            Grant("reference-grant-wrong-to-group", "gateway-conformance-app-backend", "gateway.networking.k8s.io", "TLSRoute", Ns, "not-the-group-youre-looking-for"),
            FlowGateway("gateway-tlsroute-referencegrant", ("https", Passthrough("*.example.com"))),
            TlsRoute("gateway-conformance-infra-test", "name: gateway-tlsroute-referencegrant", "abc.example.com", "{ name: tls-backend, namespace: gateway-conformance-app-backend, port: 443 }"),
            // tlsroute-terminate-simple-same-namespace.yaml
            FlowGateway("gateway-tlsroute-terminate", ("tlsterminate",
                "port: FREE, protocol: TLS, hostname: tls.example.com, allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }, tls: { mode: Terminate, certificateRefs: [{ name: tls-terminate-checks-certificate }] }")),
            TlsRoute("tlsroute-terminated-test", "name: gateway-tlsroute-terminate", "tls.example.com", "{ name: tcp-backend, port: 3000 }"),
            // tlsroute-mixed-termination-same-namespace.yaml: Terminate and Passthrough on one port.
            FlowGateway("gateway-tlsroute-mixed-termination",
                ("tls-terminate", "port: SHARED, protocol: TLS, hostname: tls.example.com, allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }, tls: { mode: Terminate, certificateRefs: [{ name: tls-terminate-checks-certificate }] }"),
                ("tls-passthrough", "port: SHARED, protocol: TLS, hostname: abc.example.com, allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }, tls: { mode: Passthrough }")),
            TlsRoute("gateway-conformance-mixed-passthroughroute", "name: gateway-tlsroute-mixed-termination", "abc.example.com", "{ name: tcp-backend, port: 8443 }"),
            TlsRoute("gateway-conformance-mixed-terminateroute", "name: gateway-tlsroute-mixed-termination", "tls.example.com", "{ name: tcp-backend, port: 3000 }"),
            // backendtlspolicy-tlsroute-terminate.yaml: terminated at the gateway, re-encrypted to the backend. The CA
            // ConfigMap holds the backend's self-signed certificate (its own root).
            $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: tls-checks-ca-certificate
              namespace: {{Ns}}
            data:
              ca.crt: |
            {{string.Join("\n", BackendCertificate.TrimEnd().Split('\n').Select(l => "    " + l))}}

            """,
            NamedPorts("btls-terminate-tls-backend", ("btls", 8443, tcpBackend.TlsPort)),
            FlowGateway("gateway-btls-tlsroute-terminate", ("tls-terminate",
                "port: FREE, protocol: TLS, hostname: tls.example.com, allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }, tls: { mode: Terminate, certificateRefs: [{ name: tls-terminate-checks-certificate }] }")),
            TlsRoute("backendtlspolicy-tlsroute-terminate", "name: gateway-btls-tlsroute-terminate", "tls.example.com", "{ name: btls-terminate-tls-backend, port: 8443 }"),
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata:
              name: btls-tlsroute-terminate-test
              namespace: {{Ns}}
            spec:
              targetRefs: [{ group: "", kind: Service, name: btls-terminate-tls-backend, sectionName: btls }]
              validation:
                caCertificateRefs: [{ group: "", kind: ConfigMap, name: tls-checks-ca-certificate }]
                hostname: abc.example.com

            """,
            // The same with a hostname the backend's certificate does not name: the re-encryption must be refused.
            NamedPorts("btls-terminate-mismatch", ("btls", 8443, tcpBackend.TlsPort)),
            FlowGateway("gateway-btls-tlsroute-mismatch", ("tls-terminate",
                "port: FREE, protocol: TLS, hostname: tls.example.com, allowedRoutes: { namespaces: { from: Same }, kinds: [{ kind: TLSRoute }] }, tls: { mode: Terminate, certificateRefs: [{ name: tls-terminate-checks-certificate }] }")),
            TlsRoute("backendtlspolicy-tlsroute-mismatch", "name: gateway-btls-tlsroute-mismatch", "tls.example.com", "{ name: btls-terminate-mismatch, port: 8443 }"),
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: BackendTLSPolicy
            metadata:
              name: btls-tlsroute-mismatch
              namespace: {{Ns}}
            spec:
              targetRefs: [{ group: "", kind: Service, name: btls-terminate-mismatch }]
              validation:
                caCertificateRefs: [{ group: "", kind: ConfigMap, name: tls-checks-ca-certificate }]
                hostname: wrong.example.org

            """,
        };
        return string.Join("---\n", docs);
    }

    private static string Grant(string name, string ns, string fromGroup, string fromKind, string fromNamespace, string toGroup) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: ReferenceGrant
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          from: [{ group: {{fromGroup}}, kind: {{fromKind}}, namespace: {{fromNamespace}} }]
          to: [{ group: {{toGroup}}, kind: Service, name: tls-backend }]

        """;

    /// <summary>A Gateway of TCP/UDP listeners that each allow one route kind, on free ports remembered for the tests.</summary>
    private string Gateway(string name, params (string Listener, string Protocol, string Kind)[] listeners) =>
        FlowGateway(name, [.. listeners.Select(l => (l.Listener, $"protocol: {l.Protocol}, port: FREE, allowedRoutes: {{ kinds: [{{ kind: {l.Kind} }}] }}"))]);

    private static string Route(string kind, string name, string parentRef, string backends) => $$"""
        apiVersion: gateway.networking.k8s.io/v1alpha2
        kind: {{kind}}
        metadata:
          name: {{name}}
          namespace: {{Ns}}
        spec:
          parentRefs: [{ {{parentRef}} }]
          rules:
            - backendRefs: [{{backends}}]

        """;

    /// <summary>The newer of the two routes on one listener, written by the multiple-routes tests once the older is Accepted.</summary>
    public static string NewerRoute(string kind, string name, string gateway, string listener, string backend, int port) =>
        Route(kind, name, $"name: {gateway}, sectionName: {listener}", $"{{ name: {backend}, port: {port} }}");

    private string Routes()
    {
        var tlsOnlyPort = Network.FreePort();
        _ports["udproute-tls-only-gateway/tls"] = tlsOnlyPort;
        var docs = new List<string>
        {
            // tcproute-multiple-routes-attachment.yaml (the newer route comes later, from the test)
            Gateway("tcp-multi-route-attach-gateway", ("tcp", "TCP", "TCPRoute")),
            Route("TCPRoute", "tcproute-attach-older", "name: tcp-multi-route-attach-gateway, sectionName: tcp", "{ name: tcp-attach-backend-1, port: 3000 }"),
            // udproute-multiple-routes-attachment.yaml
            Gateway("udp-multi-route-attach-gateway", ("udp", "UDP", "UDPRoute")),
            Route("UDPRoute", "udproute-attach-older", "name: udp-multi-route-attach-gateway, sectionName: udp", "{ name: udp-attach-backend-1, port: 8080 }"),
            // tcproute-invalid-backendref-nonexistent.yaml
            Gateway("tcp-gateway-invalid-backend", ("tcp", "TCP", "TCPRoute")),
            Route("TCPRoute", "tcp-route-invalid-backend-ref-nonexistent", "name: tcp-gateway-invalid-backend, sectionName: tcp", "{ name: nonexistent-service, port: 8080 }"),
            // udproute-invalid-backendref-nonexistent.yaml
            Gateway("udp-gateway-invalid-backend", ("udp", "UDP", "UDPRoute")),
            Route("UDPRoute", "udp-route-invalid-backend-ref-nonexistent", "name: udp-gateway-invalid-backend, sectionName: udp", "{ name: nonexistent-service, port: 8080 }"),
            // tcproute-invalid-cross-namespace-backend-ref.yaml
            Gateway("tcp-invalid-cross-namespace-backend-ref-gateway", ("tcp", "TCP", "TCPRoute")),
            Route("TCPRoute", "tcp-invalid-cross-namespace-backend-ref", "name: tcp-invalid-cross-namespace-backend-ref-gateway, sectionName: tcp", $"{{ name: tcp-invalid-xns-backend, namespace: {WebNs}, port: 3000 }}"),
            // udproute-invalid-cross-namespace-backend-ref.yaml
            Gateway("udp-gateway-invalid-cross-namespace-backend-ref", ("udp", "UDP", "UDPRoute")),
            Route("UDPRoute", "udp-route-invalid-cross-namespace-backend-ref", "name: udp-gateway-invalid-cross-namespace-backend-ref, sectionName: udp", "{ name: udp-echo-no-reference-grant, namespace: gateway-conformance-app-backend, port: 8080 }"),
            // tcproute-invalid-non-tcp-listener.yaml
            Gateway("tcp-mixed-protocol-gateway", ("only-allow-http-routes", "HTTP", "HTTPRoute")),
            Route("TCPRoute", "tcp-route", "name: tcp-mixed-protocol-gateway, sectionName: only-allow-http-routes", "{ name: tcp-echo-one, port: 3000 }"),
            // tcproute-parentref-attach-all.yaml
            Gateway("tcp-attach-all-gateway", ("one", "TCP", "TCPRoute"), ("two", "TCP", "TCPRoute"), ("three", "TCP", "TCPRoute"), ("four", "TCP", "TCPRoute")),
            Route("TCPRoute", "tcp-route-attach-all", "name: tcp-attach-all-gateway", "{ name: tcp-echo-attach-all, port: 3000 }"),
            // tcproute-parentref-port-and-section-name.yaml
            Gateway("tcp-multi-listener-gateway", ("one", "TCP", "TCPRoute"), ("two", "TCP", "TCPRoute"), ("three", "TCP", "TCPRoute")),
        };
        docs.Add(Route("TCPRoute", "tcp-route-by-port", $"name: tcp-multi-listener-gateway, port: {Port("tcp-multi-listener-gateway", "one")}", "{ name: tcp-echo-one, port: 3000 }"));
        docs.Add(Route("TCPRoute", "tcp-route-by-section", "name: tcp-multi-listener-gateway, sectionName: two", "{ name: tcp-echo-two, port: 3000 }"));
        docs.Add(Route("TCPRoute", "tcp-route-by-section-and-port", $"name: tcp-multi-listener-gateway, sectionName: three, port: {Port("tcp-multi-listener-gateway", "three")}", "{ name: tcp-echo-three, port: 3000 }"));
        docs.AddRange(
        [
            // tcproute-reference-grant.yaml
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata:
              name: tcp-reference-grant
              namespace: {{WebNs}}
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: TCPRoute, namespace: {{Ns}} }]
              to: [{ group: "", kind: Service, name: tcp-reference-grant-backend }]

            """,
            Gateway("tcp-reference-grant-gateway", ("tcp", "TCP", "TCPRoute")),
            Route("TCPRoute", "tcp-reference-grant", "name: tcp-reference-grant-gateway, sectionName: tcp", $"{{ name: tcp-reference-grant-backend, namespace: {WebNs}, port: 3000 }}"),
            // udproute-not-allowed-by-listeners.yaml
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: udproute-tls-only-gateway
              namespace: {{Ns}}
            spec:
              gatewayClassName: portcullis
              listeners:
                - { name: tls, port: {{tlsOnlyPort}}, protocol: TLS, tls: { mode: Passthrough }, allowedRoutes: { namespaces: { from: Same } } }

            """,
            Route("UDPRoute", "udproute-not-allowed-by-listeners", "name: udproute-tls-only-gateway, sectionName: tls", "{ name: udp-backend-v1, port: 8080 }"),
            // udproute-parentref-attach-all-listeners.yaml
            Gateway("udp-attach-all-listeners-gateway", ("udp-1", "UDP", "UDPRoute"), ("udp-2", "UDP", "UDPRoute"), ("udp-3", "UDP", "UDPRoute")),
            Route("UDPRoute", "udp-route-attach-all", "name: udp-attach-all-listeners-gateway", "{ name: udp-echo-attach-all, port: 8080 }"),
            // udproute-parentref-port-and-section-name.yaml (routes by port below, once the ports are known)
            Gateway("udp-multi-listener-gateway", ("by-port", "UDP", "UDPRoute"), ("by-section", "UDP", "UDPRoute"), ("by-section-and-port", "UDP", "UDPRoute")),
            // udproute-reference-grant.yaml
            $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: ReferenceGrant
            metadata:
              name: udp-reference-grant
              namespace: {{AppNs}}
            spec:
              from: [{ group: gateway.networking.k8s.io, kind: UDPRoute, namespace: {{Ns}} }]
              to: [{ group: "", kind: Service, name: udp-echo-reference-grant }]

            """,
            Gateway("udp-gateway-reference-grant", ("udp", "UDP", "UDPRoute")),
            Route("UDPRoute", "udp-route-reference-grant", "name: udp-gateway-reference-grant, sectionName: udp", $"{{ name: udp-echo-reference-grant, namespace: {AppNs}, port: 8080 }}"),
            // udproute-weighted-routing.yaml
            Gateway("udp-weighted-gateway", ("udp", "UDP", "UDPRoute")),
            Route("UDPRoute", "udp-weighted-route", "name: udp-weighted-gateway, sectionName: udp",
                "{ name: udp-backend-v1, port: 8080, weight: 70 }, { name: udp-backend-v2, port: 8080, weight: 30 }, { name: udp-backend-v3, port: 8080, weight: 0 }"),
        ]);
        docs.Add(Route("UDPRoute", "udp-route-by-port", $"name: udp-multi-listener-gateway, port: {Port("udp-multi-listener-gateway", "by-port")}", "{ name: udp-echo-by-port, port: 8080 }"));
        docs.Add(Route("UDPRoute", "udp-route-by-section", "name: udp-multi-listener-gateway, sectionName: by-section", "{ name: udp-echo-by-section, port: 8080 }"));
        docs.Add(Route("UDPRoute", "udp-route-by-section-and-port",
            $"name: udp-multi-listener-gateway, sectionName: by-section-and-port, port: {Port("udp-multi-listener-gateway", "by-section-and-port")}", "{ name: udp-echo-by-section-and-port, port: 8080 }"));
        return string.Join("---\n", docs);
    }

    private static string Service(string name, string ns, int port, int target, string protocol = "TCP") =>
        ServiceWith(name, ns, $"{{ port: {port}, targetPort: {target}, protocol: {protocol} }}");

    /// <summary>A Service in the infra namespace whose TCP ports have names (what a BackendTLSPolicy sectionName names).</summary>
    private static string NamedPorts(string name, params (string Name, int Port, int Target)[] ports) =>
        ServiceWith(name, Ns, [.. ports.Select(p => $"{{ name: {p.Name}, port: {p.Port}, targetPort: {p.Target} }}")]);

    private static string ServiceWith(string name, string ns, params string[] ports) => $$"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {{name}}
          namespace: {{ns}}
        spec:
          clusterIP: 127.0.0.1
          ports:
        {{string.Join("\n", ports.Select(p => "    - " + p))}}

        """;
}

/// <summary>The tests that share one <see cref="L4ConformanceGateway"/>.</summary>
[CollectionDefinition(Name)]
public sealed class L4ConformanceCollection : ICollectionFixture<L4ConformanceGateway>
{
    public const string Name = "L4Conformance";
}
