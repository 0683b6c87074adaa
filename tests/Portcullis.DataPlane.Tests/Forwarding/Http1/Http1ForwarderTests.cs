namespace Portcullis.DataPlane.Tests.Forwarding.Http1;

using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.DataPlane.Forwarding;
using Portcullis.DataPlane.Forwarding.Http1;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using Endpoint = Portcullis.Ir.Endpoint;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// The direct forwarder (requests without a body, plain HTTP/1.1 backends): what the backend
/// and the client see is what YARP's forwarder gives them, compared by running the same exchange through a proxy with
/// it (<c>directHttp1: true</c>) and one without (<c>false</c>); then its failures and timeouts.
/// </summary>
public sealed class Http1ForwarderTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    [Fact]
    public async Task Forward_RequestHead_IsWhatYarpSends()
    {
        const string request =
            "GET /a/b%20c?q=1&r=%2F HTTP/1.1\r\nHost: a.test\r\nConnection: keep-alive, X-Hop\r\nKeep-Alive: timeout=5\r\n"
            + "Upgrade-Insecure-Requests: 1\r\nTE: gzip\r\nProxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.1\r\n"
            + "X-Forwarded-Proto: ftp\r\nX-Request-Id: given\r\nCookie: a=1\r\nCookie: b=2\r\nX-Multi: 1\r\nX-Multi: 2\r\n"
            + "Accept: */*\r\nUser-Agent: raw\r\n\r\n";

        var direct = await BackendSeesAsync(directHttp1: true, request);
        var yarp = await BackendSeesAsync(directHttp1: false, request);

        Assert.Equal("GET /a/b%20c?q=1&r=%2F HTTP/1.1", direct.Line);
        Assert.Equal(Normalized(yarp.Head), Normalized(direct.Head));
        Assert.Contains("X-Forwarded-For: 10.0.0.1, 127.0.0.1", Fields(direct.Head));
        Assert.Contains("X-Forwarded-Proto: http", Fields(direct.Head));
        Assert.Contains("Cookie: a=1; b=2", Fields(direct.Head));
        Assert.DoesNotContain(Fields(direct.Head), f => f.StartsWith("Keep-Alive", StringComparison.Ordinal) || f.StartsWith("TE", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_PostWithoutBody_SaysContentLengthZeroAsYarpDoes()
    {
        const string request = "POST /form HTTP/1.1\r\nHost: a.test\r\nX-Request-Id: given\r\n\r\n";

        var direct = await BackendSeesAsync(directHttp1: true, request);
        var yarp = await BackendSeesAsync(directHttp1: false, request);

        Assert.Equal(Normalized(yarp.Head), Normalized(direct.Head));
        Assert.Contains("Content-Length: 0", Fields(direct.Head));
    }

    [Fact]
    public async Task Forward_WithoutRequestId_AddsOneAndKeepsTheClientsHost()
    {
        var seen = await BackendSeesAsync(directHttp1: true, "GET / HTTP/1.1\r\nHost: A.Test:8080\r\n\r\n");

        Assert.Contains("Host: A.Test:8080", Fields(seen.Head));
        var id = Assert.Single(Fields(seen.Head), f => f.StartsWith("X-Request-Id: ", StringComparison.Ordinal));
        Assert.True(Guid.TryParse(id["X-Request-Id: ".Length..], out _), id);
    }

    [Fact]
    public async Task Forward_ResponseHead_IsWhatYarpPassesOn()
    {
        const string answer =
            "HTTP/1.1 299 Custom Words\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nAlt-Svc: h3=\":443\"\r\n"
            + "Proxy-Connection: keep-alive\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Thing: v\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 2\r\n\r\nok";

        var direct = await ClientSeesAsync(directHttp1: true, answer);
        var yarp = await ClientSeesAsync(directHttp1: false, answer);

        Assert.Equal("HTTP/1.1 299 Custom Words", direct.Line);
        Assert.Equal(yarp.Line, direct.Line);
        Assert.Equal(WithoutDate(yarp.Head), WithoutDate(direct.Head));
        Assert.Equal(["Set-Cookie: a=1", "Set-Cookie: b=2"], Fields(direct.Head).Where(f => f.StartsWith("Set-Cookie", StringComparison.Ordinal)));
        Assert.DoesNotContain(Fields(direct.Head), f => f.StartsWith("Keep-Alive", StringComparison.Ordinal) || f.StartsWith("Alt-Svc", StringComparison.Ordinal)
            || f.StartsWith("Proxy-Connection", StringComparison.Ordinal));
        Assert.Equal("ok", direct.Body);
    }

    [Theory]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n2\r\nok\r\n0\r\n\r\n")]
    public async Task Forward_ContentLengthThatDoesNotApply_IsDroppedAsYarpDoes(string answer)
    {
        var direct = await ClientSeesAsync(directHttp1: true, answer);
        var yarp = await ClientSeesAsync(directHttp1: false, answer);

        Assert.Equal(yarp.Line, direct.Line);
        Assert.Equal(WithoutDate(yarp.Head), WithoutDate(direct.Head));
        Assert.DoesNotContain(Fields(direct.Head), f => f.StartsWith("Content-Length", StringComparison.Ordinal));
        Assert.Equal(yarp.Body, direct.Body);
    }

    [Fact]
    public async Task Forward_Head_PassesContentLengthWithoutABodyAndKeepsTheConnection()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"));
        await using var proxy = await ProxyToAsync(backend, directHttp1: true);
        using var client = ProxyFixture.Client(proxy.Port, version: HttpVersion.Version11);

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"http://a.test:{proxy.Port}/"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1234, response.Content.Headers.ContentLength);
        }

        Assert.Equal(1, backend.Accepted);
    }

    [Fact]
    public async Task Forward_LargeBodyInPieces_ArrivesWholeOverOneBackendConnection()
    {
        var body = string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + (i % 26))));
        await using var backend = new RawBackend((_, s) =>
            RawBackend.WritePiecewise(s, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}", 3000));
        await using var proxy = await ProxyToAsync(backend, directHttp1: true);
        using var client = ProxyFixture.Client(proxy.Port, version: HttpVersion.Version11);

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(body, await client.GetStringAsync(new Uri($"http://a.test:{proxy.Port}/")));
        }

        Assert.Equal(1, backend.Accepted);
    }

    [Fact]
    public async Task Forward_ChunkedTrailersToAnHttp2Client_ArriveAsTrailers()
    {
        await using var backend = new RawBackend((_, s) =>
            RawBackend.Write(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n2\r\nok\r\n0\r\nX-Sum: 42\r\n\r\n"));
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        var certificate = TestCertificates.WithSans("default/site", "a.test", "a.test");
        await proxy.Server.ApplyAsync(Of(Https("default/gw/https", port, null, [certificate], Route("*", "/", To(target)))), CancellationToken.None);
        using var client = ProxyFixture.Client(port, version: HttpVersion.Version20);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://a.test:{port}/") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        request.Headers.TE.ParseAdd("trailers");
        using var response = await client.SendAsync(request);

        Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        Assert.Equal("42", Assert.Single(response.TrailingHeaders.GetValues("X-Sum")));
        var head = Assert.Single(backend.Requests).Head;
        Assert.Contains("TE: trailers", Fields(head)); // RFC 9113 8.2.2: the one TE an HTTP/2 request may carry, passed on as YARP does
    }

    [Fact]
    public async Task Forward_RequestHeaderModifiers_EditWhatYarpEdits()
    {
        const string request =
            "GET /a HTTP/1.1\r\nHost: a.test\r\nX-Request-Id: given\r\nX-Multi: 1\r\nX-Multi: 2\r\nAccept: */*\r\n"
            + "User-Agent: raw\r\nX-Gone: 1\r\n\r\n";
        static RouteAction Edited(WeightedBackend target) => To(target with
        {
            Filters = new HttpFilters(RequestHeaders: Edits(set: [new("X-Backend", "b")], add: [new("x-multi", "4")])),
        }) with
        {
            Filters = new HttpFilters(RequestHeaders: Edits(
                set: [new("Host", "set.test"), new("X-Forwarded-Proto", "custom"), new("X-Set", "s")],
                add: [new("X-Multi", "3"), new("X-New", "n"), new("X-Forwarded-For", "10.9.9.9")],
                remove: ["User-Agent", "x-gone"])),
        };

        var direct = await BackendSeesAsync(directHttp1: true, request, Edited);
        var yarp = await BackendSeesAsync(directHttp1: false, request, Edited);

        Assert.Equal(Normalized(yarp.Head), Normalized(direct.Head));
        Assert.Equal("GET /a HTTP/1.1", direct.Line);
        var fields = Normalized(direct.Head);
        Assert.Contains("host: set.test", fields);
        Assert.Contains("x-multi: 1,2,3,4", fields);
        Assert.Contains("x-forwarded-for: 127.0.0.1,10.9.9.9", fields);
        Assert.Contains("x-forwarded-proto: custom", fields);
        Assert.Contains("x-backend: b", fields);
        Assert.DoesNotContain(fields, f => f.StartsWith("user-agent", StringComparison.Ordinal) || f.StartsWith("x-gone", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forward_HeaderModifiersOnTheFraming_LeaveTheRequestWithoutABody()
    {
        static RouteAction Edited(WeightedBackend target) => To(target) with
        {
            Filters = new HttpFilters(RequestHeaders: Edits(
                set: [new("Transfer-Encoding", "chunked"), new("Content-Type", "text/plain")], add: [new("Content-Length", "5")])),
        };

        var seen = await BackendSeesAsync(directHttp1: true, "POST /form HTTP/1.1\r\nHost: a.test\r\n\r\n", Edited);

        var fields = Fields(seen.Head);
        Assert.Contains("Content-Length: 0", fields);
        Assert.DoesNotContain(fields, f => f.StartsWith("Transfer-Encoding", StringComparison.OrdinalIgnoreCase));
        Assert.Single(fields, f => f.StartsWith("Content-Length", StringComparison.OrdinalIgnoreCase));

        // Set as asked (YARP's path drops a content header on a request without content).
        Assert.Contains("Content-Type: text/plain", fields);
    }

    [Fact]
    public async Task Forward_UrlRewrite_SendsWhatYarpSends()
    {
        const string request = "GET /old/x%20y?q=1 HTTP/1.1\r\nHost: a.test\r\nX-Request-Id: given\r\n\r\n";
        static RouteAction Rewritten(WeightedBackend target) => To(target) with
        {
            Filters = new HttpFilters(UrlRewrite: new UrlRewrite("inner.test", new PathModifier(PathModifierType.ReplacePrefixMatch, "/new"))),
        };

        var direct = await BackendSeesAsync(directHttp1: true, request, Rewritten, prefix: "/old");
        var yarp = await BackendSeesAsync(directHttp1: false, request, Rewritten, prefix: "/old");

        Assert.Equal("GET /new/x%20y?q=1 HTTP/1.1", direct.Line);
        Assert.Equal(yarp.Line, direct.Line);
        Assert.Equal(Normalized(yarp.Head), Normalized(direct.Head));
        Assert.Contains("host: inner.test", Normalized(direct.Head));
    }

    [Fact]
    public async Task Forward_ResponseHeaderModifiersAndCors_AreWhatYarpGives()
    {
        const string answer = "HTTP/1.1 200 OK\r\nX-Drop: 1\r\nX-Keep: 1\r\nX-Add: a\r\nContent-Length: 2\r\n\r\nok";
        const string request = "GET / HTTP/1.1\r\nHost: a.test\r\nOrigin: https://app.example.com\r\nConnection: close\r\n\r\n";
        static RouteAction Edited(WeightedBackend target) => To(target) with
        {
            Filters = new HttpFilters(ResponseHeaders: Edits(set: [new("X-Set", "s")], add: [new("X-Add", "b")], remove: ["x-drop"])),
            Cors = new CorsPolicy(new[] { "https://*.example.com" }, new[] { "GET" }, new[] { "x-a" }, new[] { "x-exposed" }, true, 60),
        };

        var direct = await ClientSeesAsync(directHttp1: true, answer, Edited, request);
        var yarp = await ClientSeesAsync(directHttp1: false, answer, Edited, request);

        Assert.Equal(WithoutDate(yarp.Head), WithoutDate(direct.Head));
        var fields = Fields(direct.Head);
        Assert.Contains("X-Add: a,b", fields);
        Assert.Contains("X-Set: s", fields);
        Assert.Contains("X-Keep: 1", fields);
        Assert.Contains("Access-Control-Allow-Origin: https://app.example.com", fields);
        Assert.DoesNotContain(fields, f => f.StartsWith("X-Drop", StringComparison.Ordinal));
        Assert.Equal("ok", direct.Body);
    }

    [Fact]
    public async Task ForwardAsync_RuleTimeoutPassesWhileTheBodyTrickles_AbortsTheResponse()
    {
        // A byte every 50 ms keeps the activity timeout from firing; the rule's 400 ms still ends the exchange. The first
        // byte comes with the head, so a loaded machine whose delays outlast the rule's timeout still has one to pass on.
        await using var backend = new RawBackend(async (_, s) =>
        {
            await RawBackend.Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 200\r\n\r\nx");
            for (var i = 1; i < 200; i++)
            {
                await Task.Delay(50);
                await RawBackend.Write(s, "x");
            }

            return false;
        });
        using var handler = new Http1Handler(new SocketsHttpHandler());
        var forwarder = new Http1Forwarder(handler, NullLogger.Instance, TimeSpan.FromMinutes(5));
        var context = NewContext(out var lifetime);

        await forwarder.ForwardAsync(context, ForwardingTransformer.Instance, $"http://127.0.0.1:{backend.Port}", TimeSpan.FromMilliseconds(400))
            .WaitAsync(TimeSpan.FromSeconds(8));

        Assert.True(lifetime.Aborted);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.InRange(((MemoryStream)context.Response.Body).Length, 1, 199);
    }

    [Fact]
    public async Task Forward_StalePooledConnection_IsRetriedOnANewOne()
    {
        // The backend answers, then closes the kept connection: the next request finds it dead in the pool.
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok, keepOpen: false));
        await using var proxy = await ProxyToAsync(backend, directHttp1: true);
        using var client = ProxyFixture.Client(proxy.Port, version: HttpVersion.Version11);

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync(new Uri($"http://a.test:{proxy.Port}/"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
            await Task.Delay(50); // the close reaches the proxy's socket
        }

        Assert.Equal(3, backend.Accepted);
    }

    [Theory]
    [InlineData("garbage\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n folded: line\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n")]
    public async Task Forward_BackendAnswersNotHttp_Answers502(string answer)
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, answer, keepOpen: false));
        await using var proxy = await ProxyToAsync(backend, directHttp1: true);
        using var client = ProxyFixture.Client(proxy.Port, version: HttpVersion.Version11);

        using var response = await client.GetAsync(new Uri($"http://a.test:{proxy.Port}/"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    [Fact]
    public async Task Forward_NothingListening_Answers502()
    {
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var target = new WeightedBackend("gone", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", FreePort.Find()) });
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/", To(target)))), CancellationToken.None);
        using var client = ProxyFixture.Client(port, version: HttpVersion.Version11);

        using var response = await client.GetAsync(new Uri($"http://a.test:{port}/"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
    }

    /// <summary>
    /// The activity timeout, or a rule's timeout shorter than it, passes before the backend's head: by the timer, or
    /// (<paramref name="sweepMs"/>) by an <see cref="ActivityWatch"/>'s sweep.
    /// </summary>
    [Theory]
    [InlineData(300, null, null)]
    [InlineData(5 * 60 * 1000, 300, null)]
    [InlineData(500, null, 50)]
    [InlineData(5 * 60 * 1000, 300, 50)] // a rule's timeout where a watch exists: answered 504 all the same
    public async Task ForwardAsync_BackendSilentPastATimeout_Answers504AndClosesTheConnection(int activityMs, int? ruleMs, int? sweepMs)
    {
        var release = new TaskCompletionSource();
        await using var backend = new RawBackend(async (_, _) => { await release.Task; return false; });
        using var handler = new Http1Handler(new SocketsHttpHandler());
        using var watch = new ActivityWatch(TimeSpan.FromMilliseconds(sweepMs ?? 1000));
        var forwarder = new Http1Forwarder(handler, NullLogger.Instance, TimeSpan.FromMilliseconds(activityMs), watch);
        var context = NewContext(out _);

        try
        {
            var rule = ruleMs is { } ms ? TimeSpan.FromMilliseconds(ms) : (TimeSpan?)null;
            await forwarder.ForwardAsync(context, ForwardingTransformer.Instance, $"http://127.0.0.1:{backend.Port}", rule)
                .WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            release.SetResult(); // else a failure would leave the backend waiting and its disposal with it
        }

        Assert.Equal(StatusCodes.Status504GatewayTimeout, context.Response.StatusCode);
        Assert.Null(handler.PoolFor("127.0.0.1", backend.Port).Rent());
    }

    [Theory]
    [InlineData(300, null)]
    [InlineData(500, 50)]
    public async Task ForwardAsync_BodyStallsPastTheActivityTimeout_AbortsTheResponse(int activityMs, int? sweepMs)
    {
        var release = new TaskCompletionSource();
        await using var backend = new RawBackend(async (_, s) =>
        {
            await RawBackend.Write(s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
            await release.Task;
            return false;
        });
        using var handler = new Http1Handler(new SocketsHttpHandler());
        using var watch = new ActivityWatch(TimeSpan.FromMilliseconds(sweepMs ?? 1000));
        var forwarder = new Http1Forwarder(handler, NullLogger.Instance, TimeSpan.FromMilliseconds(activityMs), watch);
        var context = NewContext(out var lifetime);

        try
        {
            await forwarder.ForwardAsync(context, ForwardingTransformer.Instance, $"http://127.0.0.1:{backend.Port}").WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            release.SetResult(); // else a failure would leave the backend waiting and its disposal with it
        }

        Assert.True(lifetime.Aborted);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        Assert.Equal("abc", Encoding.Latin1.GetString(((MemoryStream)context.Response.Body).ToArray()));
    }

    /// <summary>
    /// A connection whose requests the sweep watches goes back to the pool with its deadline cleared: sweeps long past
    /// the first request's deadline leave it alone, and the next request is served on it.
    /// </summary>
    [Fact]
    public async Task ForwardAsync_WatchedConnectionIdlePastItsOldDeadline_ServesTheNextRequest()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok));
        using var handler = new Http1Handler(new SocketsHttpHandler());
        using var watch = new ActivityWatch(TimeSpan.FromMilliseconds(20));
        var forwarder = new Http1Forwarder(handler, NullLogger.Instance, TimeSpan.FromMilliseconds(300), watch);

        for (var i = 0; i < 2; i++)
        {
            var context = NewContext(out _);
            await forwarder.ForwardAsync(context, ForwardingTransformer.Instance, $"http://127.0.0.1:{backend.Port}").WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
            Assert.Equal("ok", Encoding.Latin1.GetString(((MemoryStream)context.Response.Body).ToArray()));
            await Task.Delay(600); // twice the timeout: some 30 sweeps
        }

        Assert.Equal(1, backend.Accepted);
    }

    [Fact]
    public async Task ForwardAsync_ClientGoesAwayWhileTheBackendThinks_StopsWithoutA504()
    {
        var release = new TaskCompletionSource();
        await using var backend = new RawBackend(async (_, _) => { await release.Task; return false; });
        using var handler = new Http1Handler(new SocketsHttpHandler());
        var forwarder = new Http1Forwarder(handler, NullLogger.Instance, TimeSpan.FromMinutes(5));
        var context = NewContext(out var lifetime);

        var forwarding = forwarder.ForwardAsync(context, ForwardingTransformer.Instance, $"http://127.0.0.1:{backend.Port}");
        await Task.Delay(200);
        lifetime.Cancel();
        await forwarding.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.NotEqual(StatusCodes.Status504GatewayTimeout, context.Response.StatusCode);
        Assert.Null(handler.PoolFor("127.0.0.1", backend.Port).Rent());
        release.SetResult();
    }

    private static HeaderModifier Edits(HeaderValue[]? set = null, HeaderValue[]? add = null, string[]? remove = null) => new(set ?? [], add ?? [], remove ?? []);

    private static DefaultHttpContext NewContext(out Lifetime lifetime)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = "/";
        context.Request.Host = new HostString("a.test");
        context.Request.Protocol = "HTTP/1.1";
        context.Response.Body = new MemoryStream();
        lifetime = new Lifetime();
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        return context;
    }

    /// <summary>The request's head as the backend got it, after a raw HTTP/1.1 client sent <paramref name="request"/>.</summary>
    /// <param name="action">The route's action for the backend (default: forward to it without filters).</param>
    private static async Task<RawBackend.Request> BackendSeesAsync(bool directHttp1, string request, Func<WeightedBackend, RouteAction>? action = null,
        string prefix = "/")
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok));
        await using var proxy = await ProxyToAsync(backend, directHttp1, action, prefix);
        var answer = await ExchangeAsync(proxy.Port, request, until: text => text.EndsWith("\r\n\r\nok", StringComparison.Ordinal));
        Assert.StartsWith("HTTP/1.1 200 OK", answer, StringComparison.Ordinal);
        return Assert.Single(backend.Requests);
    }

    /// <summary>What a raw HTTP/1.1 client gets for a GET (or <paramref name="request"/>, which must close) when the backend answers <paramref name="answer"/>.</summary>
    private static async Task<RawBackend.Request> ClientSeesAsync(bool directHttp1, string answer, Func<WeightedBackend, RouteAction>? action = null,
        string request = "GET / HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n")
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, answer));
        await using var proxy = await ProxyToAsync(backend, directHttp1, action);
        var text = await ExchangeAsync(proxy.Port, request, until: _ => false);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return new RawBackend.Request(text[..end], text[(end + 4)..]);
    }

    /// <summary>Sends <paramref name="request"/> on a new connection and reads until <paramref name="until"/> holds, the proxy closes it or 10 s pass.</summary>
    private static async Task<string> ExchangeAsync(int port, string request, Func<string, bool> until)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        int n;
        while ((n = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, n);
            if (until(Encoding.Latin1.GetString(received.ToArray())))
            {
                break;
            }
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    private static List<string> Fields(string head) => [.. head.Split("\r\n").Skip(1).Order(StringComparer.Ordinal)];

    /// <summary>The fields with their names in lower case: names are case-insensitive, and HttpClient writes some of them in its own casing.</summary>
    private static List<string> Normalized(string head) =>
        [.. Fields(head).Select(f => f[..f.IndexOf(':', StringComparison.Ordinal)].ToLowerInvariant() + f[f.IndexOf(':', StringComparison.Ordinal)..]).Order(StringComparer.Ordinal)];

    private static List<string> WithoutDate(string head) => [.. Fields(head).Where(f => !f.StartsWith("Date:", StringComparison.OrdinalIgnoreCase))];

    private static async Task<Proxied> ProxyToAsync(RawBackend backend, bool directHttp1, Func<WeightedBackend, RouteAction>? action = null, string prefix = "/")
    {
        var proxy = await ProxyFixture.StartAsync(directHttp1: directHttp1);
        var port = FreePort.Find();
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", prefix, (action ?? (t => To(t)))(target)))), CancellationToken.None);
        return new Proxied(proxy, port);
    }

    private sealed record Proxied(ProxyFixture Proxy, int Port) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Proxy.DisposeAsync();
    }

    /// <summary>A client connection whose going away the test controls, and which records an abort.</summary>
    private sealed class Lifetime : IHttpRequestLifetimeFeature
    {
        private readonly CancellationTokenSource _aborted = new();

        public bool Aborted { get; private set; }

        public CancellationToken RequestAborted { get => _aborted.Token; set => throw new NotSupportedException(); }

        public void Abort() => Aborted = true;

        public void Cancel() => _aborted.Cancel();
    }
}
