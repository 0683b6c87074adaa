namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// What upstream's BackendTLSPolicy tests need, in one `portcullis run` of its own (so the main suite's backends
/// stay cleartext): certificates made with openssl (a CA, an unrelated CA, the backend's certificate for
/// abc.example.com and other.example.com with the URI SAN spiffe://abc.example.com/test-identity, and a client certificate), the
/// ConfigMaps and Secrets upstream's suite generates from them, the Gateways same-namespace (HTTP) and
/// same-namespace-with-https-listener, two `portcullis echo` HTTPS backends: tls-backend, and
/// tls-backend-with-client-cert-validation, which requires a client certificate issued by the CA, and a gRPC echo
/// (GRPC_ECHO_SERVER) serving gRPC over TLS with the same certificate as grpc-infra-backend-v1.
/// </summary>
public sealed class BackendTlsSuite : IAsyncLifetime
{
    public const string Ns = ConformanceSuite.InfraNamespace;

    private readonly List<BackgroundProcess> _echoes = [];
    private Scenario? _scenario;

    internal GatewayProcess Process => _scenario!.Gateway!;

    internal int TlsBackendPort { get; } = Network.FreePort();

    internal int ClientCertBackendPort { get; } = Network.FreePort();

    internal int GrpcTlsBackendPort { get; } = Network.FreePort();

    /// <summary>The client certificate (PEM) the Gateway with spec.tls.backend presents.</summary>
    internal string ClientCertificate { get; private set; } = "";

    /// <summary>PEM file of the HTTPS listener's certificate (self-signed for https-listener.org): what clients trust.</summary>
    internal string ListenerCertificateFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _scenario = Scenario.Create();
        var certs = _scenario.Certs;
        await OpensslAsync(certs, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=backend-test-ca", "-keyout", "ca.key", "-out", "ca.crt"]);
        await OpensslAsync(certs, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=unrelated-ca", "-keyout", "other-ca.key", "-out", "other-ca.crt"]);
        await OpensslAsync(certs, ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=https-listener.org",
            "-addext", "subjectAltName=DNS:https-listener.org", "-keyout", "listener.key", "-out", "listener.crt"]);
        await IssueAsync(certs, "server", "abc.example.com", "subjectAltName=DNS:abc.example.com,DNS:other.example.com,URI:spiffe://abc.example.com/test-identity");
        await IssueAsync(certs, "client", "portcullis-gateway-client", null);
        ClientCertificate = await File.ReadAllTextAsync(Path.Combine(certs, "client.crt"));
        ListenerCertificateFile = Path.Combine(certs, "listener.crt");

        await StartEchoAsync("tls-backend-7d9f8c6b5-x2k4q", TlsBackendPort, certs, requireClientCert: false);
        await StartEchoAsync("tls-backend-with-client-cert-validation-5b8c7-m3n9", ClientCertBackendPort, certs, requireClientCert: true);
        await StartEchoAsync("grpc-infra-backend-v1-6c7d8f9b4-p5r2t", GrpcTlsBackendPort, certs, requireClientCert: false, grpc: true);

        var s = _scenario;
        s.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        s.Write("01-base.yaml", Base(s, certs));
        await s.StartGatewayAsync();
        await Process.WaitProgrammedAsync("same-namespace", Ns);
    }

    /// <summary>A test's manifests from testdata, placeholders filled, applied by rename; delete them with <see cref="Delete"/>.</summary>
    internal void Apply(string file) => Apply(file, ConformanceSuite.Testdata(file));

    /// <summary>The manifests given (placeholders filled) written by rename as the file: a second call is an update of its objects.</summary>
    internal void Apply(string file, string manifests) =>
        _scenario!.WriteByRename(file, manifests
            .Replace("{HTTP_PORT}", _scenario.HttpPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{TLS_BACKEND_PORT}", TlsBackendPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{TLS_BACKEND_CLIENT_CERT_PORT}", ClientCertBackendPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{GRPC_TLS_BACKEND_PORT}", GrpcTlsBackendPort.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));

    internal void Delete(string file) => _scenario!.Delete(file);

    internal int HttpsPort => _scenario!.HttpsPort;

    internal int HttpPort => _scenario!.HttpPort;

    /// <summary>The object as the admin endpoint has it, or an empty object while it is not there yet.</summary>
    internal async Task<JsonNode> GetAsync(string plural, string name)
    {
        try
        {
            return await Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{Ns}/{plural}/{name}");
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return new JsonObject();
        }
    }

    /// <summary>Waits until the policy's ancestor for the Gateway has the condition (upstream's BackendTLSPolicyMustHaveCondition).</summary>
    internal async Task PolicyMustHaveConditionAsync(string policy, string gateway, string type, string status, string? reason)
    {
        JsonNode? last = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            last = await GetAsync("backendtlspolicies", policy);
            var ancestor = last["status"]?["ancestors"]?.AsArray().FirstOrDefault(a =>
                (string?)a?["ancestorRef"]?["name"] == gateway && (string?)a?["ancestorRef"]?["namespace"] == Ns);
            return ancestor?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == type && (string?)c?["status"] == status
                && (reason is null || (string?)c?["reason"] == reason)) == true;
        }, $"BackendTLSPolicy {policy} to have {type}={status}/{reason} for Gateway {gateway}; last: {last?["status"]?.ToJsonString()}");
    }

    /// <summary>
    /// Upstream's BackendTLSPolicyMustHaveLatestConditions: every condition of every ancestor has observedGeneration =
    /// metadata.generation. Returns the policy.
    /// </summary>
    internal async Task<JsonNode> PolicyMustHaveLatestConditionsAsync(string policy)
    {
        JsonNode last = new JsonObject();
        string? why = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            last = await GetAsync("backendtlspolicies", policy);
            var ancestors = last["status"]?["ancestors"]?.AsArray() ?? [];
            why = ancestors.Count == 0 ? "no ancestors"
                : ancestors.Select(a => StatusExpectations.LatestGeneration(last, a!["conditions"])).FirstOrDefault(m => m is not null);
            return why is null;
        }, $"BackendTLSPolicy {policy} conditions at the latest generation; last: {why}");
        return last;
    }

    /// <summary>Waits until the Gateway has the condition (upstream's GatewayMustHaveCondition).</summary>
    internal async Task GatewayMustHaveConditionAsync(string gateway, string type, string status, string reason)
    {
        JsonNode? last = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            last = await GetAsync("gateways", gateway);
            return last["status"]?["conditions"]?.AsArray().Any(c =>
                (string?)c?["type"] == type && (string?)c?["status"] == status && (string?)c?["reason"] == reason) == true;
        }, $"Gateway {gateway} to have {type}={status}/{reason}; last: {last?["status"]?["conditions"]?.ToJsonString()}");
    }

    /// <summary>
    /// Sends GET http://host/path to the Gateway's address until <paramref name="accept"/> holds three times in a
    /// row (upstream's eventually-consistent response), and returns the last answer's status and body.
    /// </summary>
    internal async Task<(HttpStatusCode Status, string Body)> EventuallyAsync(string gateway, string host, string path, Func<HttpStatusCode, string, bool> accept,
        bool https = false)
    {
        var address = await WaitAddressAsync(gateway);
        using var client = GatewayClient.Create(address, ListenerCertificateFile);
        var url = https ? $"https://{host}:{HttpsPort}{path}" : $"http://{host}:{HttpPort}{path}";
        var inARow = 0;
        (HttpStatusCode, string) last = default;
        try
        {
            await GatewayProcess.EventuallyAsync(async () =>
            {
                try
                {
                    using var response = await client.GetAsync(url);
                    last = (response.StatusCode, await response.Content.ReadAsStringAsync());
                }
                catch (HttpRequestException e)
                {
                    last = (0, e.Message);
                }

                inARow = accept(last.Item1, last.Item2) ? inARow + 1 : 0;
                return inARow >= 3;
            }, $"GET {url} via {gateway} to answer as expected", TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; last answer: {last}", e);
        }

        return last;
    }

    internal async Task<string> WaitAddressAsync(string gateway)
    {
        string? address = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            address = (string?)(await GetAsync("gateways", gateway))["status"]?["addresses"]?[0]?["value"];
            return address is not null;
        }, $"Gateway {gateway} to have an address");
        return address!;
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

    private static async Task OpensslAsync(string directory, string[] args)
    {
        var r = await ProcessRunner.RunAsync("openssl", args, workingDirectory: directory);
        Assert.True(r.ExitCode == 0, $"openssl {string.Join(' ', args)}: {r.All}");
    }

    /// <summary>A key and a certificate for the common name, signed by ca.crt, with the extension line when given.</summary>
    private static async Task IssueAsync(string directory, string name, string commonName, string? extension)
    {
        await OpensslAsync(directory, ["req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={commonName}", "-keyout", $"{name}.key", "-out", $"{name}.csr"]);
        string[] sign = ["x509", "-req", "-days", "2", "-CA", "ca.crt", "-CAkey", "ca.key", "-set_serial", name.Length.ToString(CultureInfo.InvariantCulture),
            "-in", $"{name}.csr", "-out", $"{name}.crt"];
        if (extension is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(directory, $"{name}.ext"), extension + "\n");
            sign = [.. sign, "-extfile", $"{name}.ext"];
        }

        await OpensslAsync(directory, sign);
    }

    /// <summary>An echo with the server certificate on httpsPort; gRPC over TLS there with <paramref name="grpc"/> (echo-basic's gRPC mode names the key TLS_SERVER_PRIV_KEY).</summary>
    private async Task StartEchoAsync(string pod, int httpsPort, string certs, bool requireClientCert, bool grpc = false)
    {
        var env = new Dictionary<string, string>
        {
            ["POD_NAME"] = pod,
            ["NAMESPACE"] = Ns,
            ["TLS_SERVER_CERT"] = Path.Combine(certs, "server.crt"),
            [grpc ? "TLS_SERVER_PRIV_KEY" : "TLS_SERVER_PRIVKEY"] = Path.Combine(certs, "server.key"),
            ["HTTPS_PORT"] = httpsPort.ToString(CultureInfo.InvariantCulture),
        };
        if (requireClientCert)
        {
            env["TLS_CLIENT_CACERTS"] = Path.Combine(certs, "ca.crt");
        }

        if (grpc)
        {
            env["GRPC_ECHO_SERVER"] = "1";
        }

        var process = BackgroundProcess.Start("dotnet",
            [Repo.PortcullisDll, "echo", "--address", "127.0.0.1", "--http-port", Network.FreePort().ToString(CultureInfo.InvariantCulture),
             "--h2c-port", Network.FreePort().ToString(CultureInfo.InvariantCulture)], env);
        _echoes.Add(process);
        await process.WaitForOutputAsync(grpc ? $"secure server listening at port {httpsPort}" : $"listening on port {httpsPort} (https)", TimeSpan.FromSeconds(30));
    }

    /// <summary>Our part of upstream's base manifests and of what its suite generates (tls-checks-* ConfigMaps and Secrets).</summary>
    private static string Base(Scenario s, string certs)
    {
        string Pem(string file) => string.Join("\n", File.ReadAllText(Path.Combine(certs, file)).TrimEnd().Split('\n').Select(l => "    " + l));
        string B64(string file) => Convert.ToBase64String(Encoding.ASCII.GetBytes(File.ReadAllText(Path.Combine(certs, file))));
        return $$"""
            apiVersion: v1
            kind: Namespace
            metadata:
              name: {{Ns}}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: same-namespace
              namespace: {{Ns}}
            spec:
              gatewayClassName: portcullis
              listeners:
              - name: http
                port: {{s.HttpPort}}
                protocol: HTTP
                allowedRoutes:
                  namespaces:
                    from: Same
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata:
              name: same-namespace-with-https-listener
              namespace: {{Ns}}
            spec:
              gatewayClassName: portcullis
              listeners:
              - name: https
                port: {{s.HttpsPort}}
                protocol: HTTPS
                hostname: https-listener.org
                allowedRoutes:
                  namespaces:
                    from: Same
                tls:
                  certificateRefs:
                  - name: tls-validity-checks-certificate
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: tls-validity-checks-certificate
              namespace: {{Ns}}
            type: kubernetes.io/tls
            data:
              tls.crt: {{B64("listener.crt")}}
              tls.key: {{B64("listener.key")}}
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: tls-checks-client-certificate
              namespace: {{Ns}}
            type: kubernetes.io/tls
            data:
              tls.crt: {{B64("client.crt")}}
              tls.key: {{B64("client.key")}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: tls-checks-ca-certificate
              namespace: {{Ns}}
            data:
              ca.crt: |
            {{Pem("ca.crt")}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: mismatch-ca-certificate
              namespace: {{Ns}}
            data:
              ca.crt: |
            {{Pem("other-ca.crt")}}
            """;
    }
}
