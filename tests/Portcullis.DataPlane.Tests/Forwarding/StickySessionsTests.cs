namespace Portcullis.DataPlane.Tests.Forwarding;

using Microsoft.AspNetCore.Http;
using Portcullis.DataPlane.Forwarding;
using Portcullis.DataPlane.Routing;
using Portcullis.Ir;
using Endpoint = Portcullis.Ir.Endpoint;

public class StickySessionsTests
{
    private static readonly SessionTokens Tokens = new(new byte[32]);

    private static readonly CompiledBackend Blue = Backend("default/blue:80", ("127.0.0.1", 3001), ("127.0.0.1", 3002));
    private static readonly CompiledBackend Green = Backend("default/green:80", ("127.0.0.2", 3001));

    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static CompiledBackend Backend(string name, params (string Address, int Port)[] endpoints) =>
        new(new WeightedBackend(name, 1, BackendProtocol.Http1, endpoints.Select(e => new Endpoint(e.Address, e.Port)).ToEquatableArray()));

    private static SessionConfig Cookie(string key = "HTTPRoute/default/r/rule/0") => new(key, SessionType.Cookie, "sticky");

    private static HttpRequest Request(string? cookie = null, (string Name, string Value)? header = null, bool https = false)
    {
        var context = new DefaultHttpContext();
        context.Request.IsHttps = https;
        if (cookie is not null)
        {
            context.Request.Headers.Cookie = cookie;
        }

        if (header is { } h)
        {
            context.Request.Headers[h.Name] = h.Value;
        }

        return context.Request;
    }

    /// <summary>The cookie value of a Set-Cookie header ("name=value; ...").</summary>
    private static string CookieValue(string setCookie) => setCookie[(setCookie.IndexOf('=', StringComparison.Ordinal) + 1)..setCookie.IndexOf(';', StringComparison.Ordinal)];

    [Fact]
    public void ResponseHeader_NewCookieSession_IsAnOpaqueHttpOnlySessionCookieAtRootPath()
    {
        var sessions = new StickySessions(Cookie(), [Blue, Green], Tokens);

        var (name, value) = sessions.ResponseHeader(Request(), Blue, "http://127.0.0.1:3002", existing: null)!.Value;

        Assert.Equal("Set-Cookie", name);
        Assert.StartsWith("sticky=", value, StringComparison.Ordinal);
        Assert.Contains("; Path=/", value, StringComparison.Ordinal);
        Assert.Contains("; HttpOnly", value, StringComparison.Ordinal);
        Assert.DoesNotContain("Max-Age", value, StringComparison.Ordinal);
        Assert.DoesNotContain("Secure", value, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", value, StringComparison.Ordinal);
        Assert.DoesNotContain("3002", value, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_CookieOfANewSession_ReturnsTheSameEndpoint()
    {
        var sessions = new StickySessions(Cookie(), [Blue, Green], Tokens);
        var setCookie = sessions.ResponseHeader(Request(), Blue, "http://127.0.0.1:3002", null)!.Value.Value;

        var choice = sessions.Find(Request(cookie: "other=1; sticky=" + CookieValue(setCookie)));

        Assert.NotNull(choice);
        Assert.Same(Blue, choice.Backend);
        Assert.Equal("http://127.0.0.1:3002", choice.Destination);
    }

    [Fact]
    public void Find_AfterAReloadThatKeepsTheEndpoint_StillFindsIt()
    {
        var before = new StickySessions(Cookie(), [Blue, Green], Tokens);
        var value = CookieValue(before.ResponseHeader(Request(), Green, "http://127.0.0.2:3001", null)!.Value.Value);
        var green = Backend("default/green:80", ("127.0.0.2", 3001));

        var after = new StickySessions(Cookie(), [green, Backend("default/blue:80", ("127.0.0.9", 3001))], Tokens);

        Assert.Equal("http://127.0.0.2:3001", after.Find(Request(cookie: "sticky=" + value))?.Destination);
    }

    [Fact]
    public void Find_EndpointGone_ReturnsNullSoTheRequestIsBalancedAgain()
    {
        var before = new StickySessions(Cookie(), [Blue, Green], Tokens);
        var value = CookieValue(before.ResponseHeader(Request(), Blue, "http://127.0.0.1:3001", null)!.Value.Value);

        var after = new StickySessions(Cookie(), [Backend("default/blue:80", ("127.0.0.1", 3002)), Green], Tokens);

        Assert.Null(after.Find(Request(cookie: "sticky=" + value)));
    }

    [Fact]
    public void Find_ValueOfAnotherRuleOrKeyOrTampered_ReturnsNull()
    {
        var rule0 = new StickySessions(Cookie(), [Blue], Tokens);
        var value = CookieValue(rule0.ResponseHeader(Request(), Blue, "http://127.0.0.1:3001", null)!.Value.Value);
        var tampered = (value[5] == 'A' ? "B" : "A") is var c ? value[..5] + c + value[6..] : value;

        Assert.Null(new StickySessions(Cookie("HTTPRoute/default/r/rule/1"), [Blue], Tokens).Find(Request(cookie: "sticky=" + value)));
        Assert.Null(new StickySessions(Cookie(), [Blue], new SessionTokens(new byte[] { 1 })).Find(Request(cookie: "sticky=" + value)));
        Assert.Null(rule0.Find(Request(cookie: "sticky=" + tampered)));
        Assert.Null(rule0.Find(Request(cookie: "sticky=garbage")));
    }

    [Fact]
    public void Find_AbsoluteTimeoutPassed_ReturnsNull()
    {
        var time = new ManualTime();
        var config = Cookie() with { AbsoluteTimeout = TimeSpan.FromMinutes(10) };
        var sessions = new StickySessions(config, [Blue], Tokens, time);
        var value = CookieValue(sessions.ResponseHeader(Request(), Blue, "http://127.0.0.1:3001", null)!.Value.Value);

        time.Now += TimeSpan.FromMinutes(9);
        Assert.NotNull(sessions.Find(Request(cookie: "sticky=" + value)));
        time.Now += TimeSpan.FromMinutes(1);
        Assert.Null(sessions.Find(Request(cookie: "sticky=" + value)));
    }

    [Fact]
    public void ResponseHeader_IdleTimeout_RefreshesLastUseButKeepsIssueTime()
    {
        var time = new ManualTime();
        var config = Cookie() with { IdleTimeout = TimeSpan.FromMinutes(5), AbsoluteTimeout = TimeSpan.FromMinutes(12) };
        var sessions = new StickySessions(config, [Blue], Tokens, time);
        var value = CookieValue(sessions.ResponseHeader(Request(), Blue, "http://127.0.0.1:3001", null)!.Value.Value);

        for (var i = 0; i < 2; i++)
        {
            time.Now += TimeSpan.FromMinutes(4);
            var choice = sessions.Find(Request(cookie: "sticky=" + value));
            Assert.NotNull(choice);
            value = CookieValue(sessions.ResponseHeader(Request(), choice.Backend, choice.Destination, choice)!.Value.Value);
        }

        time.Now += TimeSpan.FromMinutes(4); // 4 min idle, but 12 min since the session began
        Assert.Null(sessions.Find(Request(cookie: "sticky=" + value)));
    }

    [Fact]
    public void ResponseHeader_ExistingSessionWithoutIdleTimeout_SendsNothing()
    {
        var sessions = new StickySessions(Cookie(), [Blue], Tokens);
        var value = CookieValue(sessions.ResponseHeader(Request(), Blue, "http://127.0.0.1:3001", null)!.Value.Value);
        var choice = sessions.Find(Request(cookie: "sticky=" + value))!;

        Assert.Null(sessions.ResponseHeader(Request(), choice.Backend, choice.Destination, choice));
    }

    [Fact]
    public void ResponseHeader_PermanentCookieOnHttps_HasMaxAgeOfTheAbsoluteTimeoutAndSecure()
    {
        var config = Cookie() with { AbsoluteTimeout = TimeSpan.FromMinutes(10), PermanentCookie = true };
        var sessions = new StickySessions(config, [Blue], Tokens);

        var value = sessions.ResponseHeader(Request(https: true), Blue, "http://127.0.0.1:3001", null)!.Value.Value;

        Assert.Contains("; Max-Age=600", value, StringComparison.Ordinal);
        Assert.Contains("; Secure", value, StringComparison.Ordinal);
    }

    [Fact]
    public void HeaderType_AnswersWithTheHeaderAndReadsItBack()
    {
        var sessions = new StickySessions(new SessionConfig("GRPCRoute/default/g/rule/0", SessionType.Header, "X-Session"), [Blue, Green], Tokens);

        var (name, value) = sessions.ResponseHeader(Request(), Green, "http://127.0.0.2:3001", null)!.Value;

        Assert.Equal("X-Session", name);
        Assert.Same(Green, sessions.Find(Request(header: ("x-session", value)))?.Backend);
        Assert.Null(sessions.Find(Request(cookie: "X-Session=" + value)));
    }
}
