namespace Portcullis.DataPlane.Tests;

using System.Net;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// Listeners sharing a port: a request is served only by the routes of the most specific listener
/// its Host (HTTP) or SNI (HTTPS) selects (GatewayHTTPListenerIsolation; upstream conformance cases
/// with our fixtures).
/// </summary>
public class ProxyListenerIsolationTests
{
    [Fact]
    public async Task Http_RequestIsServedOnlyByTheRoutesOfTheMostSpecificListener()
    {
        await using var backend = await EchoBackend.StartAsync("v1");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();

        // Route hostnames as the translator writes them: each route's hostnames intersected with its listener's.
        await proxy.Server.ApplyAsync(
            Of(
                Http("default/gw/empty-hostname", port, null, Route("*", "/empty-hostname", To(backend.Backend()))),
                Http("default/gw/wildcard-example-com", port, "*.example.com", Route("*.example.com", "/wildcard-example-com", To(backend.Backend()))),
                Http("default/gw/wildcard-foo-example-com", port, "*.foo.example.com", Route("*.foo.example.com", "/wildcard-foo-example-com", To(backend.Backend()))),
                Http("default/gw/abc-foo-example-com", port, "abc.foo.example.com", Route("abc.foo.example.com", "/abc-foo-example-com", To(backend.Backend())))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        string[] hosts = ["bar.com", "bar.example.com", "bar.foo.example.com", "abc.foo.example.com"];
        string[] paths = ["/empty-hostname", "/wildcard-example-com", "/wildcard-foo-example-com", "/abc-foo-example-com"];
        var wrong = new List<string>();
        for (var h = 0; h < hosts.Length; h++)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                // Each host is served by exactly one listener: the one whose path has the same index.
                var expected = h == p ? HttpStatusCode.OK : HttpStatusCode.NotFound;
                using var response = await client.GetAsync(new Uri($"http://{hosts[h]}:{port}{paths[p]}"));
                if (response.StatusCode != expected)
                {
                    wrong.Add($"{hosts[h]}{paths[p]}: expected {(int)expected}, got {(int)response.StatusCode}");
                }
            }
        }

        Assert.Empty(wrong);
    }

    [Fact]
    public async Task Http_ExactListenerWithoutMatchingRoute_Gets404NotTheWildcardListenersRoute()
    {
        await using var wildcard = await EchoBackend.StartAsync("wildcard");
        await using var any = await EchoBackend.StartAsync("any");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Http("default/gw/wildcard", port, "*.example.com", Route("*.example.com", "/", To(wildcard.Backend()))),
                Http("default/gw/foo", port, "foo.example.com", Route("foo.example.com", "/only-this", To(wildcard.Backend()))),
                Http("default/gw/none", port, null, Route("*", "/", To(any.Backend())))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://foo.example.com:{port}/other"))).StatusCode);
        Assert.Equal("wildcard", (await ProxyFixture.GetEchoAsync(client, $"http://foo.example.com:{port}/only-this")).Backend);
        Assert.Equal("wildcard", (await ProxyFixture.GetEchoAsync(client, $"http://bar.example.com:{port}/other")).Backend);
        Assert.Equal("any", (await ProxyFixture.GetEchoAsync(client, $"http://example.com:{port}/other")).Backend);
    }

    [Fact]
    public async Task Http_ExactListenerWithNoRoutesAtAll_Gets404()
    {
        await using var wildcard = await EchoBackend.StartAsync("wildcard");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Http("default/gw/wildcard", port, "*.example.com", Route("*.example.com", "/", To(wildcard.Backend()))),
                Http("default/gw/foo", port, "foo.example.com"),
                Http("default/gw/none", port, null)),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://foo.example.com:{port}/"))).StatusCode);
        Assert.Equal("wildcard", (await ProxyFixture.GetEchoAsync(client, $"http://bar.example.com:{port}/")).Backend);
    }

    [Fact]
    public async Task Https_ThreeListenersOnOnePort_SniPicksListenerThenItsCertificate_EachServesItsOwnRoutes()
    {
        var first = TestCertificates.CommonNameOnly("default/first", "first.test");
        var wildcard = TestCertificates.WithSans("default/wildcard", "wildcard", "*.example.com");
        var api = TestCertificates.WithSans("default/api", "api", "api.example.com");
        var euWildcard = TestCertificates.WithSans("default/eu", "eu-wildcard", "*.eu.example.com");
        var shop = TestCertificates.CommonNameOnly("default/shop", "shop.example.com");
        await using var anyBackend = await EchoBackend.StartAsync("any");
        await using var wildBackend = await EchoBackend.StartAsync("wild");
        await using var euBackend = await EchoBackend.StartAsync("eu");
        await using var shopBackend = await EchoBackend.StartAsync("shop");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/gw/none", port, null, [first], Route("*", "/", To(anyBackend.Backend()))),
                Https("default/gw/wild", port, "*.example.com", [wildcard, api], Route("*.example.com", "/", To(wildBackend.Backend()))),
                Https("default/gw/eu", port, "*.eu.example.com", [euWildcard], Route("*.eu.example.com", "/", To(euBackend.Backend()))),
                Https("default/gw/shop", port, "shop.example.com", [shop], Route("shop.example.com", "/", To(shopBackend.Backend())))),
            CancellationToken.None);

        (string Sni, string Certificate, string Backend)[] cases =
        [
            ("shop.example.com", "shop.example.com", "shop"), // exact listener
            ("a.eu.example.com", "eu-wildcard", "eu"), // the most specific wildcard listener
            ("api.example.com", "api", "wild"), // wildcard listener, its exact certificate
            ("x.example.com", "wildcard", "wild"),
            ("x.y.example.com", "wildcard", "wild"), // listener wildcards span labels; no certificate matches, so its first
            ("elsewhere.org", "first.test", "any"), // the listener without hostname
        ];

        var wrong = new List<string>();
        foreach (var (sni, certificate, backend) in cases)
        {
            var seen = new List<string>();
            using var client = ProxyFixture.Client(port, seen.Add, HttpVersion.Version20);
            var echo = await ProxyFixture.GetEchoAsync(client, $"https://{sni}:{port}/");
            if (seen.Count != 1 || seen[0] != certificate || echo.Backend != backend)
            {
                wrong.Add($"SNI {sni}: expected {certificate} -> {backend}, got {string.Join(",", seen)} -> {echo.Backend}");
            }
        }

        Assert.Empty(wrong);
        Assert.Equal("first.test", (await ProxyFixture.HandshakeAsync(port, null)).CommonName);
    }
}
