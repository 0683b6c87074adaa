using System.Text.Json.Nodes;

namespace Portcullis.Kubernetes.TestServer.Tests;

/// <summary>The real kubectl (v1.32) against the test server, with the workshop's commands.</summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private const string CrdDirectory = "/work/shared/gateway-api/crds-v1.6.1";

    private TestApiServer _server = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync();
        _kubectl = new Kubectl(_server);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Apply_GatewayApiCrdBundle_ServesTheGatewayApiGroup()
    {
        await ApplyCrdsAsync();

        var resources = await _kubectl.SucceedAsync(null, "api-resources", "--api-group=gateway.networking.k8s.io", "-o", "name");

        Assert.Contains("gateways.gateway.networking.k8s.io", resources, StringComparison.Ordinal);
        Assert.Contains("httproutes.gateway.networking.k8s.io", resources, StringComparison.Ordinal);
        Assert.Contains("referencegrants.gateway.networking.k8s.io", resources, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wait_ForCrdEstablished_ReturnsOnceApplied()
    {
        await ApplyCrdsAsync();

        var output = await _kubectl.SucceedAsync(null, "wait", "--for", "condition=established", "--timeout=20s", "crd/gateways.gateway.networking.k8s.io");

        Assert.Contains("condition met", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_LegacyAnswerToAggregatedRequest_MakesKubectlFallBackToGroupVersions()
    {
        await _kubectl.SucceedAsync(null, "api-resources");

        var apis = Assert.Single(_server.Requests, r => r.PathAndQuery.StartsWith("/apis?", StringComparison.Ordinal));
        Assert.Contains("apidiscovery.k8s.io", apis.Accept, StringComparison.Ordinal);
        Assert.Contains(_server.Requests, r => r.PathAndQuery.StartsWith("/apis/apps/v1?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Workshop_ApplyCreateSecretPatchGetDelete_BehaveAsOnACluster()
    {
        await ApplyCrdsAsync();
        await _kubectl.SucceedAsync(null, "apply", "--validate=false", "-f", TestData("backend.yaml"));
        await _kubectl.SucceedAsync(null, "apply", "--validate=false", "-f", TestData("gateway.yaml"));
        var (cert, key) = await MakeCertificateAsync("www.example.com");

        await _kubectl.SucceedAsync(null, "create", "secret", "tls", "example-cert", "--key=" + key, "--cert=" + cert);
        await _kubectl.SucceedAsync(null, "patch", "gateway", "sni-gateway", "--type=json", "--patch", """
              - op: add
                path: /spec/listeners/-
                value:
                  name: https
                  protocol: HTTPS
                  port: 443
                  tls:
                    mode: Terminate
                    certificateRefs:
                    - kind: Secret
                      group: ""
                      name: example-cert
            """);
        var gateway = _server.Get("gateway.networking.k8s.io/v1", "gateways", "default", "sni-gateway")!;
        gateway["status"] = JsonNode.Parse("""{"addresses":[{"type":"IPAddress","value":"127.0.0.42"}]}""");
        _server.Put(gateway);
        var address = await _kubectl.SucceedAsync(null, "get", "gateway/sni-gateway", "-o", "jsonpath={.status.addresses[0].value}");

        Assert.Equal("127.0.0.42", address);
        var stored = _server.Get("gateway.networking.k8s.io/v1", "gateways", "default", "sni-gateway")!;
        Assert.Equal("example-cert", (string?)stored["spec"]!["listeners"]![1]!["tls"]!["certificateRefs"]![0]!["name"]);
        Assert.Equal(2, (long?)stored["metadata"]!["generation"]);
        var secret = _server.Get("v1", "secrets", "default", "example-cert")!;
        Assert.Equal("kubernetes.io/tls", (string?)secret["type"]);
        Assert.NotNull(secret["data"]!["tls.crt"]);

        await _kubectl.SucceedAsync(null, "delete", "service", "backend-sni");
        await _kubectl.SucceedAsync(null, "delete", "deployment", "backend-sni");
        await _kubectl.SucceedAsync(null, "delete", "gateway", "sni-gateway");
        await _kubectl.SucceedAsync(null, "delete", "HTTPRoute", "backend-sni");
        await _kubectl.SucceedAsync(null, "delete", "secret", "example-cert");
        Assert.Null(_server.Get("gateway.networking.k8s.io/v1", "gateways", "default", "sni-gateway"));
        Assert.Null(_server.Get("v1", "secrets", "default", "example-cert"));
    }

    [Fact]
    public async Task Apply_Twice_PatchesOnlyWhatChanged()
    {
        await ApplyCrdsAsync();
        await _kubectl.SucceedAsync(null, "apply", "--validate=false", "-f", TestData("gateway.yaml"));
        var changed = File.ReadAllText(TestData("gateway.yaml")).Replace("port: 80", "port: 8080", StringComparison.Ordinal);

        await _kubectl.SucceedAsync(changed, "apply", "--validate=false", "-f", "-");

        var gateway = _server.Get("gateway.networking.k8s.io/v1", "gateways", "default", "sni-gateway")!;
        Assert.Equal(8080, (int?)gateway["spec"]!["listeners"]![0]!["port"]);
        Assert.Equal(2, (long?)gateway["metadata"]!["generation"]);
        Assert.Contains(_server.Requests, r => r.Method == "PATCH" && r.ContentType == "application/merge-patch+json");
    }

    [Fact]
    public async Task Get_DefaultOutput_ListsTheObjects()
    {
        await ApplyCrdsAsync();
        await _kubectl.SucceedAsync(null, "apply", "--validate=false", "-f", TestData("gateway.yaml"));

        var table = await _kubectl.SucceedAsync(null, "get", "gateways,httproutes");

        Assert.Contains("sni-gateway", table, StringComparison.Ordinal);
        Assert.Contains("backend-sni", table, StringComparison.Ordinal);
    }

    private static string TestData(string name) => Path.Combine(AppContext.BaseDirectory, "testdata", name);

    private async Task ApplyCrdsAsync()
    {
        var args = new List<string> { "apply", "--validate=false" };
        foreach (var file in Directory.GetFiles(CrdDirectory, "standard-*.yaml").Order(StringComparer.Ordinal))
        {
            args.AddRange(["-f", file]);
        }

        await _kubectl.SucceedAsync(null, [.. args]);
    }

    private async Task<(string Cert, string Key)> MakeCertificateAsync(string host)
    {
        var cert = Path.Combine(_kubectl.WorkDirectory, host + ".crt");
        var key = Path.Combine(_kubectl.WorkDirectory, host + ".key");
        var openssl = await ProcessRunner.RunAsync(
            "openssl", ["req", "-x509", "-sha256", "-nodes", "-days", "1", "-newkey", "rsa:2048", "-subj", "/CN=" + host, "-keyout", key, "-out", cert]);
        Assert.True(openssl.ExitCode == 0, openssl.StdErr);
        return (cert, key);
    }
}
