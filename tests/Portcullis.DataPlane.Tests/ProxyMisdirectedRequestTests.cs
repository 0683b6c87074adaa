namespace Portcullis.DataPlane.Tests;

using System.Net;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// 421 Misdirected Request on HTTPS ports with several listeners (Gateway API feature
/// GatewayHTTPSListenerDetectMisdirectedRequests). The cases follow the upstream conformance
/// test's expectations with our own fixtures.
/// </summary>
public class ProxyMisdirectedRequestTests
{
    private const string Path = "/detect-misdirected-requests";

    // One certificate for every listener, as upstream: the listener alone decides 421 there.
    private static readonly TlsCertificate Shared = TestCertificates.WithSans(
        "default/shared", "shared", "example.org", "second-example.org", "*.wildcard.org", "fourth-example.wildcard.org");

    private static readonly TlsCertificate Wildcard = TestCertificates.WithSans("default/wildcard", "wildcard", "*.example.com");
    private static readonly TlsCertificate Www = TestCertificates.WithSans("default/www", "www", "www.example.com");

    [Fact]
    public async Task Request_HostSelectingAnotherListenerThanSni_Gets421_OverHttp2()
    {
        await using var v1 = await EchoBackend.StartAsync("v1");
        await using var v2 = await EchoBackend.StartAsync("v2");
        await using var v3 = await EchoBackend.StartAsync("v3");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/gw/https", port, null, [Shared], Route("example.org", Path, To(v1.Backend()))),
                Https("default/gw/https-with-hostname", port, "second-example.org", [Shared], Route("second-example.org", Path, To(v2.Backend()))),
                Https("default/gw/https-with-wildcard-hostname", port, "*.wildcard.org", [Shared], Route("*.wildcard.org", Path, To(v3.Backend()))),
                Https("default/gw/https-with-hostname-matching-wildcard", port, "fourth-example.wildcard.org", [Shared], Route("fourth-example.wildcard.org", Path, To(v1.Backend())))),
            CancellationToken.None);

        (string Sni, string Host, int Status, string? Backend)[] cases =
        [
            ("example.org", "example.org", 200, "v1"),
            ("example.org", "second-example.org", 421, null),
            ("example.org", "unknown-example.org", 404, null),
            ("second-example.org", "second-example.org", 200, "v2"),
            ("second-example.org", "example.org", 421, null),
            ("second-example.org", "unknown-example.org", 421, null),
            ("third-example.wildcard.org", "third-example.wildcard.org", 200, "v3"),
            ("third-example.wildcard.org", "fith-example.wildcard.org", 200, "v3"),
            ("third-example.wildcard.org", "fourth-example.wildcard.org", 421, null),
            ("third-example.wildcard.org", "second-example.org", 421, null),
            ("third-example.wildcard.org", "unknown-example.org", 421, null),
            ("fourth-example.wildcard.org", "fourth-example.wildcard.org", 200, "v1"),
            ("fourth-example.wildcard.org", "fith-example.wildcard.org", 421, null),
            ("unknown-example.org", "example.org", 200, "v1"),
            ("unknown-example.org", "unknown-example.org", 404, null),
        ];

        var wrong = new List<string>();
        foreach (var (sni, host, status, backend) in cases)
        {
            using var client = ProxyFixture.FixedSniClient(port, sni, HttpVersion.Version20);
            using var response = await client.GetAsync(new Uri($"https://{host}:{port}{Path}"));
            var body = await response.Content.ReadAsStringAsync();
            var seen = response.StatusCode == HttpStatusCode.OK
                ? System.Text.Json.JsonSerializer.Deserialize<Echo>(body)!.Backend
                : null;
            if ((int)response.StatusCode != status || seen != backend || response.Version != HttpVersion.Version20)
            {
                wrong.Add($"SNI {sni}, Host {host}: expected {status} {backend}, got {(int)response.StatusCode} {seen} over HTTP/{response.Version}");
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Request_HostSelectingAnotherCertificateOfTheSameListener_Gets421()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Https("default/gw/https", port, null, [Wildcard, Www], Route("*", "/", To(backend.Backend())))),
            CancellationToken.None);

        // SNI api.example.com got the wildcard certificate; www.example.com would have got its own.
        using var api = ProxyFixture.FixedSniClient(port, "api.example.com", HttpVersion.Version20);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await api.GetAsync(new Uri($"https://www.example.com:{port}/"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(new Uri($"https://shop.example.com:{port}/"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(new Uri($"https://API.example.com.:{port}/"))).StatusCode);

        using var www = ProxyFixture.FixedSniClient(port, "www.example.com", HttpVersion.Version20);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await www.GetAsync(new Uri($"https://api.example.com:{port}/"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await www.GetAsync(new Uri($"https://www.example.com:{port}/"))).StatusCode);
    }

    [Fact]
    public async Task Request_MisdirectedOverHttp11_Gets421AndIsNotForwarded()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/gw/a", port, "a.example.com", [Wildcard], Route("a.example.com", "/", To(a.Backend()))),
                Https("default/gw/b", port, "b.example.com", [Wildcard], Route("b.example.com", "/", To(b.Backend())))),
            CancellationToken.None);

        using var client = ProxyFixture.FixedSniClient(port, "a.example.com", HttpVersion.Version11);
        Assert.Equal("a", (await ProxyFixture.GetEchoAsync(client, $"https://a.example.com:{port}/")).Backend);
        using var misdirected = await client.GetAsync(new Uri($"https://b.example.com:{port}/"));
        Assert.Equal(HttpStatusCode.MisdirectedRequest, misdirected.StatusCode);
        Assert.Equal(HttpVersion.Version11, misdirected.Version);
        Assert.Empty(await misdirected.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Request_WithoutSni_HostSelectsTheListenerAndIsNeverMisdirected()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var rest = await EchoBackend.StartAsync("rest");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/gw/rest", port, null, [Www], Route("*", "/", To(rest.Backend()))),
                Https("default/gw/a", port, "a.example.com", [Wildcard], Route("a.example.com", "/", To(a.Backend())))),
            CancellationToken.None);

        // An empty target host sends no SNI: the handshake gets the catch-all listener's certificate.
        using var client = ProxyFixture.FixedSniClient(port, string.Empty, HttpVersion.Version20);
        Assert.Equal("a", (await ProxyFixture.GetEchoAsync(client, $"https://a.example.com:{port}/")).Backend);
        Assert.Equal("rest", (await ProxyFixture.GetEchoAsync(client, $"https://other.example.com:{port}/")).Backend);
    }

    [Fact]
    public async Task Curl_HostHeaderUnlikeSni_Gets421OverHttp2()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/gw/a", port, "a.example.com", [Wildcard], Route("a.example.com", "/", To(a.Backend()))),
                Https("default/gw/b", port, "b.example.com", [Wildcard], Route("b.example.com", "/", To(b.Backend())))),
            CancellationToken.None);

        Assert.Equal("200 2", await CurlAsync(port, "a.example.com"));
        Assert.Equal("421 2", await CurlAsync(port, "b.example.com"));
    }

    /// <summary>curl to https://a.example.com (SNI a.example.com) with the given Host header: "status http-version".</summary>
    private static async Task<string> CurlAsync(int port, string host)
    {
        var result = await ProcessRunner.RunAsync("curl",
        [
            "-sS", "--http2", "--cacert", TestCertificates.AuthorityPemFile, "--max-time", "20",
            "--resolve", $"a.example.com:{port}:127.0.0.1",
            "-H", $"Host: {host}",
            "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
            $"https://a.example.com:{port}/",
        ]);
        Assert.True(result.ExitCode == 0, $"curl exited {result.ExitCode}: {result.StdErr}");
        return result.StdOut;
    }
}
