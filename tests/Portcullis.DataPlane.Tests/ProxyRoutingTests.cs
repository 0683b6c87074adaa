namespace Portcullis.DataPlane.Tests;

using System.Net;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

public class ProxyRoutingTests
{
    [Fact]
    public async Task Http_SamePort_ServesHttp11AndH2cPriorKnowledge()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/", To(backend.Backend())))), CancellationToken.None);

        using var h2c = ProxyFixture.Client(port, version: HttpVersion.Version20);
        using var h2Response = await h2c.GetAsync(new Uri($"http://h2c.test:{port}/"));
        Assert.Equal(HttpVersion.Version20, h2Response.Version);
        Assert.Equal(HttpStatusCode.OK, h2Response.StatusCode);

        using var http1 = ProxyFixture.Client(port, version: HttpVersion.Version11);
        using var h1Response = await http1.GetAsync(new Uri($"http://h1.test:{port}/"));
        Assert.Equal(HttpVersion.Version11, h1Response.Version);
        Assert.Equal(HttpStatusCode.OK, h1Response.StatusCode);
    }

    [Fact]
    public async Task Route_HostExactBeatsWildcardBeatsCatchAll()
    {
        await using var exact = await EchoBackend.StartAsync("exact");
        await using var wildcard = await EchoBackend.StartAsync("wildcard");
        await using var any = await EchoBackend.StartAsync("any");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Http(port,
                Route("*", "/", To(any.Backend())),
                Route("*.example.com", "/", To(wildcard.Backend())),
                Route("www.example.com", "/", To(exact.Backend())))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal("exact", (await ProxyFixture.GetEchoAsync(client, $"http://WWW.example.com:{port}/")).Backend);
        Assert.Equal("wildcard", (await ProxyFixture.GetEchoAsync(client, $"http://a.b.example.com:{port}/")).Backend);
        Assert.Equal("any", (await ProxyFixture.GetEchoAsync(client, $"http://example.com:{port}/")).Backend);
    }

    [Fact]
    public async Task Route_FirstMatchInPrecedenceOrderWins_ExactPathThenLongerPrefix()
    {
        await using var login = await EchoBackend.StartAsync("login");
        await using var api = await EchoBackend.StartAsync("api");
        await using var root = await EchoBackend.StartAsync("root");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Http(port,
                Route("login", "*", new PathMatch(PathMatchType.Exact, "/api/login"), To(login.Backend())),
                Route("*", "/api", To(api.Backend())),
                Route("*", "/", To(root.Backend())))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal("login", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/api/login")).Backend);
        Assert.Equal("api", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/api/login/more")).Backend);
        Assert.Equal("api", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/api")).Backend);
        Assert.Equal("root", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/apix")).Backend);
    }

    [Fact]
    public async Task Route_NoMatch404_InvalidOrZeroWeight500_NoEndpoints503_DirectResponse()
    {
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var noEndpoints = new WeightedBackend("default/empty:80", 1, BackendProtocol.Http1, EquatableArray<Ir.Endpoint>.Empty);
        var invalid = new WeightedBackend("default/missing:80", 1, BackendProtocol.Http1, EquatableArray<Ir.Endpoint>.Empty, Invalid: true);
        await proxy.Server.ApplyAsync(
            Of(Http(port,
                Route("*", "/invalid", To(invalid)),
                Route("*", "/zero", To(noEndpoints with { Weight = 0 })),
                Route("*", "/empty", To(noEndpoints)),
                Route("*", "/teapot", new RouteAction([], new DirectResponse(418, "short and stout"))))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(new Uri($"http://x.test:{port}/nothing"))).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync(new Uri($"http://x.test:{port}/invalid"))).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await client.GetAsync(new Uri($"http://x.test:{port}/zero"))).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync(new Uri($"http://x.test:{port}/empty"))).StatusCode);
        using var teapot = await client.GetAsync(new Uri($"http://x.test:{port}/teapot"));
        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
        Assert.Equal("short and stout", await teapot.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Route_WeightedBackends_SplitTrafficByWeight()
    {
        await using var heavy = await EchoBackend.StartAsync("heavy");
        await using var light = await EchoBackend.StartAsync("light");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var never = new WeightedBackend("default/never:80", 0, BackendProtocol.Http1, EquatableArray<Ir.Endpoint>.Empty, Invalid: true);
        await proxy.Server.ApplyAsync(
            Of(Http(port, Route("*", "/", To(heavy.Backend(3), light.Backend(1), never)))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        var heavyCount = 0;
        for (var i = 0; i < 1000; i++)
        {
            if ((await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/")).Backend == "heavy")
            {
                heavyCount++;
            }
        }

        // 750 expected; a tolerance of 80 is over five standard deviations.
        Assert.InRange(heavyCount, 670, 830);
    }

    [Fact]
    public async Task Forward_PreservesHostAndAddsForwardedHeadersAndRequestId()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/", To(backend.Backend())))), CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        var plain = await ProxyFixture.GetEchoAsync(client, $"http://shop.example.com:{port}/cart?x=1");
        Assert.Equal($"shop.example.com:{port}", plain.Host);
        Assert.Equal("/cart", plain.Path);
        Assert.Equal("127.0.0.1", plain.Header("X-Forwarded-For"));
        Assert.Equal("http", plain.Header("X-Forwarded-Proto"));
        Assert.True(Guid.TryParse(plain.Header("X-Request-Id"), out _));

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://shop.example.com:{port}/"));
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        request.Headers.Add("X-Request-Id", "keep-me");
        request.Headers.Add("X-Forwarded-Proto", "https");
        using var response = await client.SendAsync(request);
        var echoed = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Echo>(response.Content);
        Assert.Equal("203.0.113.7, 127.0.0.1", echoed!.Header("X-Forwarded-For"));
        Assert.Equal("keep-me", echoed.Header("X-Request-Id"));
        Assert.Equal("http", echoed.Header("X-Forwarded-Proto")); // the client's claim is replaced, not appended to
    }

    [Fact]
    public async Task Route_HttpListenersOnOnePort_SelectedByHost()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Http("default/gw/a", port, "a.example.com", Route("a.example.com", "/", To(a.Backend()))),
                Http("default/gw/rest", port, null, Route("*", "/", To(b.Backend())))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal("a", (await ProxyFixture.GetEchoAsync(client, $"http://a.example.com:{port}/")).Backend);
        Assert.Equal("b", (await ProxyFixture.GetEchoAsync(client, $"http://other.example.com:{port}/")).Backend);
    }

    [Fact]
    public async Task Forward_H2cBackend_IsReachedOverHttp2PriorKnowledge()
    {
        await using var backend = await EchoBackend.StartAsync("grpc-like", Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Http(port, Route("*", "/", To(backend.Backend(protocol: BackendProtocol.H2c))))),
            CancellationToken.None);
        using var client = ProxyFixture.Client(port);

        Assert.Equal("HTTP/2", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/")).Protocol);
    }
}
