namespace Portcullis.FunctionalTests;

using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Gateway spec.tls.frontend through the real process, with certificates made by openssl and real clients
/// (curl --cert, openssl s_client -cert): the shape of upstream's GatewayFrontendClientCertificateValidation
/// and its InsecureFallback variant. "mtls" trusts client-ca on its default port and per-port-ca on the other;
/// "fallback" asks for a certificate but serves without a valid one.
/// </summary>
public sealed class ClientCertificateFixture : IAsyncLifetime
{
    internal Scenario Scenario { get; } = Scenario.Create();

    internal WorkshopCertificate Server { get; private set; } = null!;

    internal int DefaultPort { get; } = Network.FreePort();

    internal int PerPort { get; } = Network.FreePort();

    internal int FallbackPort { get; } = Network.FreePort();

    internal string MtlsAddress { get; private set; } = "";

    internal string FallbackAddress { get; private set; } = "";

    /// <summary>Client certificate and key signed by client-ca.</summary>
    internal (string Cert, string Key) Client { get; private set; }

    /// <summary>Client certificate and key signed by per-port-ca.</summary>
    internal (string Cert, string Key) PerPortClient { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await WorkshopCertificate.CreateAsync(Scenario.Certs, "example");
        Client = await ClientCertificateAsync("client-ca", "client");
        PerPortClient = await ClientCertificateAsync("per-port-ca", "per-port-client");
        var echo = await Scenario.StartEchoAsync("backend-sni-local");
        Scenario.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        Scenario.Write("01-backend-sni.yaml", Manifests.BackendSni(echo.Port));
        Scenario.Write("02-example-cert.yaml", Server.SecretYaml("example-cert"));
        Scenario.Write("03-cas.yaml", CaConfigMap("client-ca") + "---\n" + CaConfigMap("per-port-ca"));
        Scenario.Write("04-gateways.yaml", Gateways());
        var gateway = await Scenario.StartGatewayAsync();
        await gateway.WaitProgrammedAsync("mtls");
        await gateway.WaitProgrammedAsync("fallback");
        MtlsAddress = await gateway.GatewayAddressAsync("mtls");
        FallbackAddress = await gateway.GatewayAddressAsync("fallback");
    }

    public async Task DisposeAsync() => await Scenario.DisposeAsync();

    private async Task<(string Cert, string Key)> ClientCertificateAsync(string ca, string client)
    {
        string[][] commands =
        [
            ["req", "-x509", "-sha256", "-nodes", "-days", "2", "-newkey", "rsa:2048", "-subj", $"/CN={ca}", "-keyout", $"{ca}.key", "-out", $"{ca}.crt"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-subj", $"/CN={client}", "-keyout", $"{client}.key", "-out", $"{client}.csr"],
            ["x509", "-req", "-days", "2", "-CA", $"{ca}.crt", "-CAkey", $"{ca}.key", "-set_serial", "1", "-in", $"{client}.csr", "-out", $"{client}.crt"],
        ];
        foreach (var args in commands)
        {
            var r = await ProcessRunner.RunAsync("openssl", args, workingDirectory: Scenario.Certs);
            Assert.True(r.ExitCode == 0, r.All);
        }

        return (Path.Combine(Scenario.Certs, $"{client}.crt"), Path.Combine(Scenario.Certs, $"{client}.key"));
    }

    /// <summary>`kubectl create configmap NAME --from-file=ca.crt=NAME.crt`.</summary>
    private string CaConfigMap(string name)
    {
        var pem = File.ReadAllText(Path.Combine(Scenario.Certs, $"{name}.crt")).TrimEnd();
        return $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  ca.crt: |\n{string.Join('\n', pem.Split('\n').Select(l => "    " + l))}\n";
    }

    private string Gateways() => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: mtls
        spec:
          gatewayClassName: portcullis
          tls:
            frontend:
              default:
                validation:
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
              perPort:
                - port: {{PerPort}}
                  tls:
                    validation:
                      caCertificateRefs: [{group: "", kind: ConfigMap, name: per-port-ca}]
          listeners:
            - {{Listener("https", DefaultPort)}}
            - {{Listener("https-per-port", PerPort)}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata:
          name: fallback
        spec:
          gatewayClassName: portcullis
          tls:
            frontend:
              default:
                validation:
                  mode: AllowInsecureFallback
                  caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
          listeners:
            - {{Listener("https", FallbackPort)}}
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: backend-sni
        spec:
          parentRefs: [{name: mtls}, {name: fallback}]
          hostnames: ["www.example.com"]
          rules:
            - backendRefs: [{name: backend-sni, port: 3000}]
        """;

    private static string Listener(string name, int port) =>
        $"{{name: {name}, protocol: HTTPS, port: {port}, tls: {{certificateRefs: [{{name: example-cert}}]}}}}";
}

public sealed class ClientCertificateTests(ClientCertificateFixture fixture) : IClassFixture<ClientCertificateFixture>
{
    private const string Host = "www.example.com";

    [Fact]
    public async Task Curl_CertificateFromTheTrustedCa_IsServed()
    {
        var r = await CurlAsync(fixture.MtlsAddress, fixture.DefaultPort, fixture.Client);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("status=200", r.StdOut, StringComparison.Ordinal);
        Assert.Equal("backend-sni-local", (string?)Curl.Body(r)["pod"]);
    }

    [Fact]
    public async Task Curl_NoClientCertificate_IsRefusedInTheHandshake()
    {
        var r = await CurlAsync(fixture.MtlsAddress, fixture.DefaultPort, null);

        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("status=200", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Curl_CertificateOfTheOtherPortsCa_IsRefusedThere_AndServedOnItsOwnPort()
    {
        var wrongPort = await CurlAsync(fixture.MtlsAddress, fixture.DefaultPort, fixture.PerPortClient);
        var ownPort = await CurlAsync(fixture.MtlsAddress, fixture.PerPort, fixture.PerPortClient);
        var defaultCaOnPerPort = await CurlAsync(fixture.MtlsAddress, fixture.PerPort, fixture.Client);

        Assert.NotEqual(0, wrongPort.ExitCode);
        Assert.True(ownPort.ExitCode == 0 && ownPort.StdOut.Contains("status=200", StringComparison.Ordinal), ownPort.All);
        Assert.NotEqual(0, defaultCaOnPerPort.ExitCode);
    }

    [Fact]
    public async Task OpensslSClient_WithClientCertificate_GetsAnHttpAnswer_WithoutOne_IsClosed()
    {
        var with = await SClientAsync(fixture.DefaultPort, fixture.Client);
        var without = await SClientAsync(fixture.DefaultPort, null);

        Assert.Contains("HTTP/1.1 200", with.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTP/1.1 200", without.StdOut, StringComparison.Ordinal);
        // The gateway closes the connection once the handshake fails (without a TLS alert on this platform: s_client
        // reports "unexpected eof"); either way the client sees an error, not an answer or a hang.
        Assert.True(without.StdErr.Contains("error", StringComparison.OrdinalIgnoreCase), without.All);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InsecureFallback_NoCertificateOrOneFromAnotherCa_IsServed(bool sendOtherCa)
    {
        var r = await CurlAsync(fixture.FallbackAddress, fixture.FallbackPort, sendOtherCa ? fixture.PerPortClient : null);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("status=200", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_FallbackGateway_HasInsecureFrontendValidationMode_MtlsGatewayDoesNot()
    {
        var fallback = await GatewayAsync("fallback");
        var mtls = await GatewayAsync("mtls");

        var insecure = Condition(fallback, "InsecureFrontendValidationMode");
        Assert.Equal(("True", "ConfigurationChanged"), ((string?)insecure?["status"], (string?)insecure?["reason"]));
        Assert.Null(Condition(mtls, "InsecureFrontendValidationMode"));
        Assert.All(mtls["status"]!["listeners"]!.AsArray(), l =>
            Assert.Equal("True", (string?)l!["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "ResolvedRefs")!["status"]));
    }

    private Task<JsonNode> GatewayAsync(string name) =>
        fixture.Scenario.Gateway!.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/{name}");

    private static JsonNode? Condition(JsonNode gateway, string type) =>
        gateway["status"]!["conditions"]!.AsArray().SingleOrDefault(c => (string?)c!["type"] == type);

    private Task<ProcessResult> CurlAsync(string address, int port, (string Cert, string Key)? client) =>
        Curl.HttpsAsync(Host, address, port, fixture.Server.CaCert, "/get",
            client is { } c ? ["--cert", c.Cert, "--key", c.Key] : []);

    /// <summary>openssl s_client with one HTTP/1.1 request on stdin; Connection: close ends the session either way.</summary>
    private Task<ProcessResult> SClientAsync(int port, (string Cert, string Key)? client)
    {
        string[] args =
        [
            "s_client", "-connect", $"{fixture.MtlsAddress}:{port}", "-servername", Host, "-CAfile", fixture.Server.CaCert, "-quiet",
            .. client is { } c ? new[] { "-cert", c.Cert, "-key", c.Key } : [],
        ];
        return ProcessRunner.RunAsync(
            "openssl", args, TimeSpan.FromSeconds(30), input: $"GET /get HTTP/1.1\r\nHost: {Host}\r\nConnection: close\r\n\r\n");
    }
}
