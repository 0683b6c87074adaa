namespace Portcullis.FunctionalTests;

using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// The workshop's final state (after step 6.7): one HTTPS listener with example-cert and sample-cert,
/// the route for www.example.com and www.sample.com. Started once for all tests in this class.
/// </summary>
public sealed class WorkshopFixture : IAsyncLifetime
{
    internal Scenario Scenario { get; } = Scenario.Create();

    internal WorkshopCertificate Example { get; private set; } = null!;

    internal WorkshopCertificate Sample { get; private set; } = null!;

    internal string Address { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Example = await WorkshopCertificate.CreateAsync(Scenario.Certs, "example");
        Sample = await WorkshopCertificate.CreateAsync(Scenario.Certs, "sample");
        var echo = await Scenario.StartEchoAsync("backend-sni-local");
        Scenario.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        Scenario.Write("01-backend-sni.yaml", Manifests.BackendSni(echo.Port));
        Scenario.Write("02-sni-gateway.yaml", Manifests.SniGateway(Scenario.HttpPort, Scenario.HttpsPort, "example-cert", "sample-cert"));
        Scenario.Write("03-backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com", "www.sample.com"));
        Scenario.Write("04-example-cert.yaml", Example.SecretYaml("example-cert"));
        Scenario.Write("05-sample-cert.yaml", Sample.SecretYaml("sample-cert"));
        var gateway = await Scenario.StartGatewayAsync();
        await gateway.WaitProgrammedAsync();
        Address = await gateway.GatewayAddressAsync();
    }

    public async Task DisposeAsync() => await Scenario.DisposeAsync();
}

public sealed class WorkshopTests(WorkshopFixture fixture) : IClassFixture<WorkshopFixture>
{
    private Scenario Scenario => fixture.Scenario;

    [Fact]
    public async Task Step6_1_HttpWithHostHeader_ReachesBackendWithForwardedHeaders()
    {
        var r = await Curl.HttpAsync("www.example.com", fixture.Address, Scenario.HttpPort);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("status=200", r.StdOut, StringComparison.Ordinal);
        var body = Curl.Body(r);
        Assert.Equal("/get", (string?)body["path"]);
        Assert.Equal("www.example.com", (string?)body["host"]);
        Assert.Equal("backend-sni-local", (string?)body["pod"]);
        Assert.Equal("http", (string?)body["headers"]!["X-Forwarded-Proto"]![0]);
        Assert.Equal("127.0.0.1", (string?)body["headers"]!["X-Forwarded-For"]![0]);
        Assert.False(string.IsNullOrEmpty((string?)body["headers"]!["X-Request-Id"]![0]));
    }

    [Fact]
    public async Task Step6_4_SniExample_VerifiesAgainstExampleCa_NegotiatesH2_BackendSeesHttp11()
    {
        var r = await Curl.HttpsAsync("www.example.com", fixture.Address, Scenario.HttpsPort, fixture.Example.CaCert);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("SSL certificate verify ok", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("CN=www.example.com", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("http_version=2 status=200", r.StdOut, StringComparison.Ordinal);
        var body = Curl.Body(r);
        Assert.Equal("HTTP/1.1", (string?)body["proto"]);
        Assert.Equal("https", (string?)body["headers"]!["X-Forwarded-Proto"]![0]);
        Assert.Equal("www.example.com", (string?)body["host"]);
    }

    [Fact]
    public async Task Step6_8_HeadForExample_StillServedAfterSampleCertAdded()
    {
        var r = await Curl.HttpsAsync("www.example.com", fixture.Address, Scenario.HttpsPort, fixture.Example.CaCert, "/get", "-I");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("SSL certificate verify ok", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("status=200", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Step6_9_SniSample_VerifiesAgainstSampleCa()
    {
        var r = await Curl.HttpsAsync("www.sample.com", fixture.Address, Scenario.HttpsPort, fixture.Sample.CaCert, "/get", "-I");

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("SSL certificate verify ok", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("CN=www.sample.com", r.StdErr, StringComparison.Ordinal);
        Assert.Contains("http_version=2 status=200", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SniExample_WithSampleCa_FailsVerification()
    {
        // The control for the tests above: the certificate really is chosen per SNI, not shared.
        var r = await Curl.HttpsAsync("www.example.com", fixture.Address, Scenario.HttpsPort, fixture.Sample.CaCert);

        Assert.NotEqual(0, r.ExitCode);
    }

    [Theory]
    [InlineData("www.example.com", "www.example.com")]
    [InlineData("www.sample.com", "www.sample.com")]
    [InlineData("unknown.test", "www.example.com")]
    [InlineData(null, "www.example.com")]
    public async Task OpensslSClient_PresentsCertificateChosenBySni(string? serverName, string expectedCn)
    {
        string[] sni = serverName is null ? ["-noservername"] : ["-servername", serverName];
        var r = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"{fixture.Address}:{Scenario.HttpsPort}", .. sni, "-alpn", "h2,http/1.1"], TimeSpan.FromSeconds(30));

        Assert.Matches($"subject=CN ?= ?{expectedCn.Replace(".", "\\.", StringComparison.Ordinal)}", r.StdOut);
        Assert.Contains("ALPN protocol: h2", r.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task OpensslSClient_NegotiatesTls12And13(string version)
    {
        var r = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"{fixture.Address}:{Scenario.HttpsPort}", "-servername", "www.sample.com", version], TimeSpan.FromSeconds(30));

        Assert.Contains(version == "-tls1_2" ? "Protocol  : TLSv1.2" : "TLSv1.3", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("Verify return code", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Http_H2cPriorKnowledge_IsServedOnTheHttpListener()
    {
        var r = await ProcessRunner.RunAsync("curl",
        [
            "-sS", "--http2-prior-knowledge", "-H", "Host: www.example.com", "-H", "X-Request-Id: from-client",
            "-w", "\nhttp_version=%{http_version} status=%{http_code}\n", $"http://{fixture.Address}:{Scenario.HttpPort}/get?x=1",
        ]);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Contains("http_version=2 status=200", r.StdOut, StringComparison.Ordinal);
        var body = Curl.Body(r);
        Assert.Equal("/get?x=1", (string?)body["path"]);
        Assert.Equal("HTTP/1.1", (string?)body["proto"]);
        Assert.Equal("from-client", (string?)body["headers"]!["X-Request-Id"]![0]);
    }

    [Fact]
    public async Task Http_HostWithoutRoute_Returns404()
    {
        var r = await Curl.HttpAsync("nothing.example.org", fixture.Address, Scenario.HttpPort);

        Assert.Contains("status=404", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetJsonPath_PrintsGatewayAddressExactly_AsTheWorkshopReadsIt()
    {
        var r = await ProcessRunner.Portcullis("get", "gateway/sni-gateway", "-o", "jsonpath={.status.addresses[0].value}", "--admin", Scenario.Gateway!.AdminUrl);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Equal(fixture.Address, r.StdOut);
        Assert.StartsWith(Scenario.AddressPool[..Scenario.AddressPool.LastIndexOf('.')], fixture.Address, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetGateways_Table_ShowsProgrammedAndAddress()
    {
        var r = await ProcessRunner.Portcullis("get", "gateways", "--admin", Scenario.Gateway!.AdminUrl);

        Assert.True(r.ExitCode == 0, r.All);
        Assert.Matches($"sni-gateway +portcullis +{fixture.Address.Replace(".", "\\.", StringComparison.Ordinal)} +True", r.StdOut);
    }
}
