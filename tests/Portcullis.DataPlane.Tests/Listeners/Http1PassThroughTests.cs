namespace Portcullis.DataPlane.Tests.Listeners;

using Portcullis.DataPlane.Tests.Forwarding.Http1;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using Endpoint = Portcullis.Ir.Endpoint;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// Responses our HTTP/1.1 loop writes straight from the backend's head (the direct forwarder's pass-through): the
/// client sees what the general path gives (Kestrel's HTTP/1.1 with the header dictionary, the same forwarder), and
/// whatever the pass-through does not take goes the general way.
/// </summary>
public class Http1PassThroughTests
{
    private static readonly TlsCertificate Certificate = TestCertificates.WithSans("default/www", "www", "www.example.com");

    private const string Get = "GET /p HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
    private const string GetAndClose = "GET /p HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n";

    [Theory]
    [InlineData( // hop-by-hop fields dropped, repeated fields kept in order, the backend's Date kept
        "HTTP/1.1 200 OK\r\nDate: Sat, 28 Nov 2026 06:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n"
        + "Alt-Svc: h3=\":443\"\r\nSet-Cookie: a=1\r\nX-Thing: v\r\nSet-Cookie: b=2\r\nContent-Type: text/plain\r\n"
        + "Content-Length: 2\r\n\r\nok")]
    [InlineData("HTTP/1.1 299 Custom Words\r\nContent-Length: 2\r\n\r\nok")] // a custom reason phrase, no Date: one is added
    [InlineData("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n")] // an empty reason phrase: the standard one
    [InlineData("HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")] // passed on once
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")] // HTTP/1.1 to the client; the backend connection is not reused
    public async Task Answers_ArePassedThrough_AsTheGeneralPathGivesThem(string answer)
    {
        string[] requests = [Get, Get, GetAndClose];
        var ours = await ClientSeesAsync(ownHttp1: true, answer, requests);
        var general = await ClientSeesAsync(ownHttp1: false, answer, requests);

        Assert.Equal(requests.Length, ours.PassedThrough);
        Assert.Equal(0, general.PassedThrough);
        AssertSame(general, ours);
        Assert.All(ours.Responses, r => Assert.Single(r.Headers, h => h.Name.Equals("Date", StringComparison.OrdinalIgnoreCase)));
        if (answer.Contains("Date:", StringComparison.Ordinal))
        {
            Assert.All(ours.Responses, r => Assert.Equal("Sat, 28 Nov 2026 06:00:00 GMT", r.Header("Date")));
        }
        else
        {
            Assert.All(ours.Responses, r => Assert.True(DateTimeOffset.TryParse(r.Header("Date"), out _), r.StatusLine));
        }
        Assert.Equal( // repeated fields in the backend's order
            answer.Split("\r\n").Where(l => l.StartsWith("Set-Cookie", StringComparison.Ordinal)),
            ours.Responses[0].Headers.Where(h => h.Name == "Set-Cookie").Select(h => $"{h.Name}: {h.Value}"));
        Assert.Equal("close", ours.Responses[^1].Header("Connection"));
        Assert.Null(ours.Responses[0].Header("Connection"));
        Assert.Equal(answer.StartsWith("HTTP/1.0", StringComparison.Ordinal) ? 3 : 1, ours.Accepted);
    }

    /// <summary>curl, two requests on one connection: both answers passed through, the backend's hop-by-hop fields not shown.</summary>
    [Fact]
    public async Task Curl_GetsPassedThroughAnswers()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(
            s, "HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5\r\nConnection: keep-alive\r\nContent-Type: text/plain\r\nContent-Length: 7\r\n\r\nhello\r\n"));
        var (proxy, port) = await StartAsync(ownHttp1: true, Target(backend), null);
        await using var _ = proxy;
        var url = $"https://www.example.com:{port}/p";
        var result = await ProcessRunner.RunAsync(
            "curl", ["-sS", "-i", "--http1.1", "--cacert", TestCertificates.AuthorityPemFile, "--resolve", $"www.example.com:{port}:127.0.0.1", url, url]);

        Assert.True(result.ExitCode == 0, $"curl exited {result.ExitCode}: {result.StdErr}");
        var lines = result.StdOut.Split("\r\n");
        Assert.Equal(2, lines.Count(l => l == "HTTP/1.1 200 OK"));
        Assert.Equal(2, lines.Count(l => l.Equals("Content-Type: text/plain", StringComparison.OrdinalIgnoreCase)));
        Assert.Equal(2, lines.Count(l => l.StartsWith("hello", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.StartsWith("Keep-Alive", StringComparison.OrdinalIgnoreCase) || l.StartsWith("Connection", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(2, proxy.Server.Dispatcher.Http1PassedThrough);
        Assert.Equal(1, backend.Accepted);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n2\r\nok\r\n0\r\n\r\n")] // chunked
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-A: 1\r\n\r\n")] // no body by status
    [InlineData("HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n")] // a Content-Length YARP drops
    [InlineData("HTTP/1.1 200 OK\r\n X-Folded: 1\r\nContent-Length: 2\r\n\r\nok")] // malformed: 502
    public async Task Answers_ThePassThroughDoesNotTake_GoTheGeneralWay(string answer)
    {
        string[] requests = [Get, GetAndClose];
        var ours = await ClientSeesAsync(ownHttp1: true, answer, requests);
        var general = await ClientSeesAsync(ownHttp1: false, answer, requests);

        Assert.Equal(0, ours.PassedThrough);
        AssertSame(general, ours);
    }

    [Fact]
    public async Task ALargeBody_GoesTheGeneralWay()
    {
        var body = new string('x', 20_000);
        var ours = await ClientSeesAsync(ownHttp1: true, $"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\n\r\n{body}", [Get, Get]);

        Assert.Equal(0, ours.PassedThrough);
        Assert.All(ours.Responses, r => Assert.Equal(body, r.Body));
        Assert.Equal(1, ours.Accepted);
    }

    /// <summary>The head arrives first and the body later: the pass-through takes only a body that came with its head.</summary>
    [Fact]
    public async Task ABodyAfterItsHead_GoesTheGeneralWay()
    {
        var ours = await ClientSeesAsync(ownHttp1: true, null, [Get, Get], async (_, stream) =>
        {
            await RawBackend.Write(stream, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\n");
            await Task.Delay(200);
            return await RawBackend.Write(stream, "later");
        });

        Assert.Equal(0, ours.PassedThrough);
        Assert.All(ours.Responses, r => Assert.Equal(("later", "1"), (r.Body, r.Header("X-A"))));
    }

    [Fact]
    public async Task HeadRequests_GoTheGeneralWay()
    {
        const string answer = "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n";
        string[] requests = ["HEAD /p HTTP/1.1\r\nHost: www.example.com\r\n\r\n", Get.Replace("GET", "HEAD", StringComparison.Ordinal)];
        var ours = await ClientSeesAsync(ownHttp1: true, answer, requests);
        var general = await ClientSeesAsync(ownHttp1: false, answer, requests);

        Assert.Equal(0, ours.PassedThrough);
        AssertSame(general, ours);
        Assert.Equal("1234", ours.Responses[0].Header("Content-Length"));
    }

    /// <summary>A route that edits response headers, or a response the gateway has already set something on (a session cookie).</summary>
    [Theory]
    [InlineData("modifiers")]
    [InlineData("session")]
    public async Task ResponsesTheGatewayEdits_GoTheGeneralWay(string how)
    {
        const string answer = "HTTP/1.1 200 OK\r\nX-Drop: 1\r\nContent-Length: 2\r\n\r\nok";
        RouteAction Edited(WeightedBackend target) => how == "modifiers"
            ? To(target) with { Filters = new HttpFilters(ResponseHeaders: new HeaderModifier(new[] { new HeaderValue("X-Set", "s") }, Array.Empty<HeaderValue>(), new[] { "x-drop" })) }
            : To(target) with { Session = new SessionConfig("default/r/rule/0", SessionType.Cookie, "sid") };

        var ours = await ClientSeesAsync(ownHttp1: true, answer, [Get], action: Edited);
        var general = await ClientSeesAsync(ownHttp1: false, answer, [Get], action: Edited);

        Assert.Equal(0, ours.PassedThrough);
        AssertSame(general, ours);
        if (how == "modifiers")
        {
            Assert.Equal("s", ours.Responses[0].Header("X-Set"));
            Assert.Null(ours.Responses[0].Header("X-Drop"));
        }
        else
        {
            Assert.StartsWith("sid=", ours.Responses[0].Header("Set-Cookie"), StringComparison.Ordinal);
        }
    }

    /// <summary>A field Kestrel refuses in a response (a control character): nothing is sent and the connection closes, as before.</summary>
    [Fact]
    public async Task AFieldKestrelRefuses_ClosesTheConnectionWithoutAResponse()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, "HTTP/1.1 200 OK\r\nX-Bad: a\u0001b\r\nContent-Length: 2\r\n\r\nok"));
        var (proxy, port) = await StartAsync(ownHttp1: true, Target(backend), null);
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        await client.SendAsync(Get);

        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, proxy.Server.Dispatcher.Http1PassedThrough);
    }

    private static void AssertSame(Seen general, Seen ours)
    {
        Assert.Equal(general.Responses.Count, ours.Responses.Count);
        for (var i = 0; i < ours.Responses.Count; i++)
        {
            Assert.Equal(general.Responses[i].StatusLine, ours.Responses[i].StatusLine);
            Assert.Equal(Comparable(general.Responses[i]), Comparable(ours.Responses[i]));
            Assert.Equal(general.Responses[i].Body, ours.Responses[i].Body);
            Assert.Equal(general.Responses[i].Chunked, ours.Responses[i].Chunked);
        }

        Assert.Equal(general.Accepted, ours.Accepted);

        static string Comparable(RawResponse response) => string.Join(
            "\n", response.Headers.Where(h => h.Name != "Date" && !h.Value.StartsWith("sid=", StringComparison.Ordinal)) // a new session each run
                .Select(h => $"{h.Name.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal));
    }

    private sealed record Seen(List<RawResponse> Responses, long PassedThrough, int Accepted);

    /// <param name="answer">What the backend answers to every request (or <paramref name="script"/>).</param>
    private static async Task<Seen> ClientSeesAsync(
        bool ownHttp1, string? answer, string[] requests, Func<RawBackend.Request, Stream, Task<bool>>? script = null,
        Func<WeightedBackend, RouteAction>? action = null)
    {
        await using var backend = new RawBackend(script ?? ((_, s) => RawBackend.Write(s, answer!)));
        var (proxy, port) = await StartAsync(ownHttp1, Target(backend), action);
        await using var _ = proxy;
        var responses = new List<RawResponse>();
        await using (var client = await RawHttp1Client.ConnectAsync(port, "www.example.com"))
        {
            foreach (var request in requests)
            {
                await client.SendAsync(request);
                responses.Add(await client.ReadAsync(head: request.StartsWith("HEAD", StringComparison.Ordinal)));
            }
        }

        return new Seen(responses, proxy.Server.Dispatcher.Http1PassedThrough, backend.Accepted);
    }

    private static WeightedBackend Target(RawBackend backend) =>
        new("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });

    private static async Task<(ProxyFixture Proxy, int Port)> StartAsync(bool ownHttp1, WeightedBackend target, Func<WeightedBackend, RouteAction>? action)
    {
        var proxy = await ProxyFixture.StartAsync(ownHttp1: ownHttp1);
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Https("default/gw/https", port, null, [Certificate], Route("www.example.com", "/", action?.Invoke(target) ?? To(target)))),
            CancellationToken.None);
        return (proxy, port);
    }
}
