namespace Portcullis.DataPlane.Tests;

using System.Net;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>HTTPRoute filters and rule timeouts over real loopback sockets.</summary>
public class ProxyFilterTests
{
    private static HeaderModifier Edits(HeaderValue[]? set = null, HeaderValue[]? add = null, string[]? remove = null) =>
        new(set ?? [], add ?? [], remove ?? []);

    private static async Task<(ProxyFixture Proxy, int Port)> ServeAsync(params RouteConfig[] routes)
    {
        var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, routes)), CancellationToken.None);
        return (proxy, port);
    }

    [Fact]
    public async Task RequestHeaderModifier_SetAddRemove_BackendSeesEditedHeadersCaseInsensitively()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        var action = To(backend.Backend()) with
        {
            Filters = new HttpFilters(RequestHeaders: Edits(
                set: [new("x-set", "new")], add: [new("X-Add", "two")], remove: ["x-GONE"])),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://x.test:{port}/"));
        request.Headers.Add("X-Set", "old");
        request.Headers.Add("X-Add", "one");
        request.Headers.Add("X-Gone", "bye");
        using var response = await client.SendAsync(request);
        var echo = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Echo>(response.Content))!;

        Assert.Equal("new", echo.Header("X-Set"));
        Assert.Equal("one,two", echo.Header("X-Add"));
        Assert.Null(echo.Header("X-Gone"));
    }

    [Fact]
    public async Task BackendFilters_ApplyOnlyWhenThatBackendIsPicked()
    {
        await using var a = await EchoBackend.StartAsync("a");
        await using var b = await EchoBackend.StartAsync("b");
        WeightedBackend Tagged(EchoBackend e) => e.Backend() with
        {
            Filters = new HttpFilters(RequestHeaders: Edits(set: [new("X-Picked", e.Name)])),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", To(Tagged(a), Tagged(b))));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        for (var i = 0; i < 10; i++)
        {
            var echo = await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/");
            Assert.Equal(echo.Backend, echo.Header("X-Picked"));
        }
    }

    [Fact]
    public async Task ResponseHeaderModifier_EditsTheBackendsResponseHeaders()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        var action = To(backend.Backend()) with
        {
            Filters = new HttpFilters(ResponseHeaders: Edits(
                set: [new("X-Set", "filtered")], add: [new("X-Add", "two")], remove: ["X-Gone"])),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://x.test:{port}/"));
        request.Headers.Add("X-Echo-Set-Header", "X-Set:backend,X-Add:one,X-Gone:bye");
        using var response = await client.SendAsync(request);

        Assert.Equal("filtered", string.Join(",", response.Headers.GetValues("X-Set")));
        Assert.Equal("one,two", string.Join(",", response.Headers.GetValues("X-Add")));
        Assert.False(response.Headers.Contains("X-Gone"));
    }

    [Fact]
    public async Task RequestRedirect_AnswersWithLocationAndStatus_KeepingTheQuery()
    {
        var prefixRedirect = new RouteAction(EquatableArray<WeightedBackend>.Empty)
        {
            Redirect = new RequestRedirect(null, "new.example.com", 8443, new PathModifier(PathModifierType.ReplacePrefixMatch, "/new"), 302),
        };
        var schemeRedirect = new RouteAction(EquatableArray<WeightedBackend>.Empty)
        {
            Redirect = new RequestRedirect("https", null, null, null, 301),
            Filters = new HttpFilters(ResponseHeaders: Edits(set: [new("X-Redirected", "yes")])),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/old", prefixRedirect), Route("*", "/secure", schemeRedirect));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port, followRedirects: false);

        using var moved = await client.GetAsync(new Uri($"http://x.test:{port}/old/page?a=1"));
        Assert.Equal(HttpStatusCode.Found, moved.StatusCode);
        Assert.Equal("http://new.example.com:8443/new/page?a=1", moved.Headers.Location!.OriginalString);

        using var secure = await client.GetAsync(new Uri($"http://x.test:{port}/secure"));
        Assert.Equal(HttpStatusCode.MovedPermanently, secure.StatusCode);
        Assert.Equal("https://x.test/secure", secure.Headers.Location!.OriginalString);
        Assert.Equal("yes", string.Join(",", secure.Headers.GetValues("X-Redirected")));
    }

    [Fact]
    public async Task UrlRewrite_HostnameAndPrefix_BackendSeesRewrittenHostAndPath()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        var action = To(backend.Backend()) with
        {
            Filters = new HttpFilters(UrlRewrite: new UrlRewrite("internal.example.com", new PathModifier(PathModifierType.ReplacePrefixMatch, "/v2"))),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/api", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        var echo = await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/api/items");
        Assert.Equal("internal.example.com", echo.Host);
        Assert.Equal("/v2/items", echo.Path);
    }

    [Fact]
    public async Task RequestMirror_SecondBackendReceivesACopyWithBodyAndTheRulesHeaderEdits()
    {
        await using var main = await EchoBackend.StartAsync("main");
        await using var shadow = await EchoBackend.StartAsync("shadow");
        var action = To(main.Backend()) with
        {
            Filters = new HttpFilters(RequestHeaders: Edits(set: [new("X-Rule", "yes")]), Mirrors: new[] { new RequestMirror(shadow.Backend(), 1, 1) }),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        using var response = await client.PostAsync(new Uri($"http://x.test:{port}/m?q=1"), new StringContent("payload"));
        var echo = (await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Echo>(response.Content))!;
        Assert.Equal("main", echo.Backend);
        Assert.Equal("payload", echo.Body);

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var copy = await shadow.Received.Reader.ReadAsync(wait.Token);
        Assert.Equal("/m", copy.Path);
        Assert.Equal("POST", copy.Method);
        Assert.Equal("payload", copy.Body);
        Assert.Equal($"x.test:{port}", copy.Host);
        Assert.Equal("yes", copy.Header("X-Rule"));
    }

    [Fact]
    public async Task RequestMirror_OnABackendRef_MirrorsWhenThatBackendIsPicked()
    {
        await using var main = await EchoBackend.StartAsync("main");
        await using var shadow = await EchoBackend.StartAsync("shadow");
        var picked = main.Backend() with { Filters = new HttpFilters(Mirrors: new[] { new RequestMirror(shadow.Backend(), 100, 100) }) };
        var (proxy, port) = await ServeAsync(Route("*", "/", To(picked)));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        Assert.Equal("main", (await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/b")).Backend);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.Equal("/b", (await shadow.Received.Reader.ReadAsync(wait.Token)).Path);
    }

    [Fact]
    public async Task RequestMirror_ZeroNumerator_SendsNothing()
    {
        await using var main = await EchoBackend.StartAsync("main");
        await using var shadow = await EchoBackend.StartAsync("shadow");
        var action = To(main.Backend()) with
        {
            Filters = new HttpFilters(Mirrors: new[] { new RequestMirror(shadow.Backend(), 0, 100), new RequestMirror(main.Backend(), 1, 1) }),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        await ProxyFixture.GetEchoAsync(client, $"http://x.test:{port}/");

        // The second mirror (to main) proves mirrors were sent; the shadow got none of them.
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await main.Received.Reader.ReadAsync(wait.Token);
        await main.Received.Reader.ReadAsync(wait.Token);
        Assert.False(shadow.Received.Reader.TryRead(out _));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Timeout_BackendSlowerThanTheRuleTimeout_Answers504(bool request)
    {
        await using var backend = await EchoBackend.StartAsync("slow");
        var limit = TimeSpan.FromMilliseconds(200);
        var action = To(backend.Backend()) with
        {
            Timeouts = request ? new RouteTimeouts(limit, null) : new RouteTimeouts(null, limit),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        using var response = await client.GetAsync(new Uri($"http://x.test:{port}/?delayMs=5000"));
        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task Cors_PreflightAnsweredByGateway_ActualResponseCarriesAllowOrigin()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        var action = To(backend.Backend()) with
        {
            Cors = new CorsPolicy(new[] { "https://*.example.com" }, new[] { "GET", "PUT" }, new[] { "x-a" }, new[] { "x-exposed" }, true, 60),
        };
        var (proxy, port) = await ServeAsync(Route("*", "/", action));
        await using var owned = proxy;
        using var client = ProxyFixture.Client(port);

        using var preflight = new HttpRequestMessage(HttpMethod.Options, new Uri($"http://x.test:{port}/"));
        preflight.Headers.Add("Origin", "https://app.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        using var answer = await client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, answer.StatusCode);
        Assert.Equal("https://app.example.com", string.Join(",", answer.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("GET, PUT", string.Join(",", answer.Headers.GetValues("Access-Control-Allow-Methods")));
        Assert.Equal("true", string.Join(",", answer.Headers.GetValues("Access-Control-Allow-Credentials")));
        Assert.Equal("60", string.Join(",", answer.Headers.GetValues("Access-Control-Max-Age")));

        using var actual = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://x.test:{port}/"));
        actual.Headers.Add("Origin", "https://app.example.com");
        using var response = await client.SendAsync(actual);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https://app.example.com", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Equal("x-exposed", string.Join(",", response.Headers.GetValues("Access-Control-Expose-Headers")));

        using var foreign = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://x.test:{port}/"));
        foreign.Headers.Add("Origin", "https://evil.test");
        using var refused = await client.SendAsync(foreign);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
    }
}
