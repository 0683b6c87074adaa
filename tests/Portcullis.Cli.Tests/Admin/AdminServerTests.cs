namespace Portcullis.Cli.Tests.Admin;

using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Portcullis.Cli.Admin;
using Portcullis.Cli.Output;
using Portcullis.Cli.Status;
using Portcullis.Model.Manifests;

public sealed class AdminServerTests : IAsyncLifetime
{
    private readonly StatusStore _store = new(new ManualTime(TestData.Created.AddMinutes(3)));
    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false });
    private WebApplication? _app;
    private string _base = "";

    public async Task InitializeAsync()
    {
        _app = await AdminServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), _store, CancellationToken.None);
        _base = ServerAddresses.Of(_app)[0].ToString().TrimEnd('/');
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private void Publish()
    {
        var gw = TestData.Gateway();
        _store.Publish(
            TestData.Snapshot(gw, TestData.Secret()),
            TestData.Report(gw, TestData.GatewayStatus()),
            [new ManifestDiagnostic(DiagnosticSeverity.Error, "gw.yaml", 1, null, "spec.listeners[0].port", "must be 1-65535")],
            []);
    }

    private async Task<(HttpStatusCode Code, string Body)> GetAsync(string path)
    {
        using var response = await _client.GetAsync(new Uri(_base + path));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Readyz_BeforeAndAfterFirstPublish_Is503Then200()
    {
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/healthz")).Code);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await GetAsync("/readyz")).Code);
        Publish();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/readyz")).Code);
    }

    [Fact]
    public async Task List_NamespacedAndAllNamespaces_ReturnKubectlListShape()
    {
        Publish();
        foreach (var path in new[] { "/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways", "/apis/gateway.networking.k8s.io/v1/gateways" })
        {
            var (code, body) = await GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, code);
            var list = JsonNode.Parse(body)!;
            Assert.Equal("List", (string?)list["kind"]);
            Assert.Equal("sni-gateway", (string?)list["items"]![0]!["metadata"]!["name"]);
        }

        var (_, empty) = await GetAsync("/apis/gateway.networking.k8s.io/v1/namespaces/team-a/gateways");
        Assert.Empty(JsonNode.Parse(empty)!["items"]!.AsArray());
    }

    [Fact]
    public async Task Get_ExistingObject_ReturnsItWithStatus()
    {
        Publish();
        var (code, body) = await GetAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/sni-gateway");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("127.0.0.10", (string?)JsonNode.Parse(body)!["status"]!["addresses"]![0]!["value"]);
        var (_, secret) = await GetAsync("/api/v1/namespaces/default/secrets/example-cert");
        Assert.Contains("[redacted 1234 bytes]", secret, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UnknownName_Returns404StatusObject()
    {
        Publish();
        var (code, body) = await GetAsync("/apis/gateway.networking.k8s.io/v1/namespaces/default/gateways/x");
        Assert.Equal(HttpStatusCode.NotFound, code);
        var status = JsonNode.Parse(body)!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("NotFound", (string?)status["reason"]);
        Assert.Equal("gateways.gateway.networking.k8s.io \"x\" not found", (string?)status["message"]);
        Assert.Equal(404, (int?)status["code"]);
    }

    [Fact]
    public async Task UnknownPath_Returns404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/apis/example.com/v1/widgets")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await GetAsync("/api/v1/namespaces/default/namespaces")).Code);
    }

    [Fact]
    public async Task Diagnostics_ListsManifestFindings()
    {
        Publish();
        var (code, body) = await GetAsync("/diagnostics");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("must be 1-65535", (string?)JsonNode.Parse(body)!["diagnostics"]![0]!["message"]);
    }

    private async Task<(int Exit, string Out, string Err)> RunGetAsync(GetRequest request)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var runner = new GetRunner(_client, stdout, stderr, new ManualTime(TestData.Created.AddMinutes(5)));
        var exit = await runner.RunAsync(request, CancellationToken.None);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task GetCommand_WorkshopJsonPath_PrintsAddressWithoutNewline()
    {
        Publish();
        var (exit, output, _) = await RunGetAsync(new GetRequest("gateway/sni-gateway", null, null, false, "jsonpath={.status.addresses[0].value}", _base));
        Assert.Equal(0, exit);
        Assert.Equal("127.0.0.10", output);
    }

    [Fact]
    public async Task GetCommand_Table_PrintsGatewayRow()
    {
        Publish();
        var (exit, output, _) = await RunGetAsync(new GetRequest("gtw", null, null, false, null, _base));
        Assert.Equal(0, exit);
        Assert.Equal(
            "NAME          CLASS                  ADDRESS      PROGRAMMED   AGE\n" +
            "sni-gateway   tigera-gateway-class   127.0.0.10   True         5m\n",
            output);
    }

    [Fact]
    public async Task GetCommand_NotFound_PrintsKubectlErrorAndFails()
    {
        Publish();
        var (exit, output, error) = await RunGetAsync(new GetRequest("gateway", "x", null, false, null, _base));
        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Equal("Error from server (NotFound): gateways.gateway.networking.k8s.io \"x\" not found\n", error);
    }

    [Fact]
    public async Task GetCommand_YamlAndName_PrintTheServedObject()
    {
        Publish();
        var (_, yaml, _) = await RunGetAsync(new GetRequest("gateway", "sni-gateway", "default", false, "yaml", _base));
        Assert.StartsWith("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n", yaml, StringComparison.Ordinal);
        var (_, names, _) = await RunGetAsync(new GetRequest("secrets", null, null, true, "name", _base));
        Assert.Equal("secret/example-cert\n", names);
        var (_, json, _) = await RunGetAsync(new GetRequest("gateways", null, null, false, "json", _base));
        Assert.Equal("List", (string?)JsonNode.Parse(json)!["kind"]);
    }

    [Fact]
    public async Task GetCommand_EmptyNamespace_SaysNoResourcesFound()
    {
        Publish();
        var (exit, output, error) = await RunGetAsync(new GetRequest("httproutes", null, "team-a", false, null, _base));
        Assert.Equal(0, exit);
        Assert.Equal("", output);
        Assert.Equal("No resources found in team-a namespace.\n", error);
    }

    [Fact]
    public async Task GetCommand_UnknownResource_Fails()
    {
        var (exit, _, error) = await RunGetAsync(new GetRequest("widgets", null, null, false, null, _base));
        Assert.Equal(1, exit);
        Assert.Contains("doesn't have a resource type \"widgets\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetCommand_AdminUnreachable_NamesAddressAndRunCommand()
    {
        // Bind a port, then free it, so nothing listens there.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var (exit, _, error) = await RunGetAsync(new GetRequest("gateways", null, null, false, null, $"127.0.0.1:{port}"));
        Assert.Equal(1, exit);
        Assert.Contains($"http://127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Contains("portcullis run", error, StringComparison.Ordinal);
    }
}
