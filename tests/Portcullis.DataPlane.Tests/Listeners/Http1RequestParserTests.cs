namespace Portcullis.DataPlane.Tests.Listeners;

using System.Text;
using Portcullis.DataPlane.Listeners;

/// <summary>
/// The narrow request-head parser of our HTTP/1.1 loop: what it takes, what it leaves to Kestrel, and what it makes of
/// what it takes.
/// </summary>
public class Http1RequestParserTests
{
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a.example\r\n\r\n")]
    [InlineData("GET /a/b.c?x=1&y=%20&z=/? HTTP/1.1\r\nHost: a.example:8443\r\n\r\n")]
    [InlineData("DELETE /x HTTP/1.1\r\nhost: [::1]:443\r\nX-A:\tv \r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a.example\r\nConnection: keep-alive, close\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: a.example\r\nX-Empty:\r\n\r\n")]
    public void PlainHeads_AreParsed(string head)
    {
        Assert.Equal(Http1ParseResult.Parsed, Parse(head, out _, out var consumed, out _));
        Assert.Equal(Encoding.ASCII.GetByteCount(head), consumed);
    }

    [Theory]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", "a body")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "any Content-Length")]
    [InlineData("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", "a chunked body")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", "Expect")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "an upgrade")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\n\r\n", "Connection: upgrade")]
    [InlineData("GET / HTTP/1.0\r\nHost: a\r\n\r\n", "HTTP/1.0")]
    [InlineData("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", "absolute-form")]
    [InlineData("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "asterisk-form")]
    [InlineData("GET /a%2Fb HTTP/1.1\r\nHost: a\r\n\r\n", "an encoded path")]
    [InlineData("GET /a/../b HTTP/1.1\r\nHost: a\r\n\r\n", "a dot segment")]
    [InlineData("GET /a/./b HTTP/1.1\r\nHost: a\r\n\r\n", "a dot segment")]
    [InlineData("GET /é HTTP/1.1\r\nHost: a\r\n\r\n", "a non-ASCII path")]
    [InlineData("GET / HTTP/1.1\r\n\r\n", "no Host")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "two Hosts")]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", "a Host Kestrel would refuse")]
    [InlineData("GET / HTTP/1.1\r\nHost : a\r\n\r\n", "a space before the colon")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", "an obs-fold")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n", "a bare CR")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX-A: \u00e9\r\n\r\n", "a non-ASCII value")]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n", "a name that is not a token")]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "two spaces")]
    [InlineData("G@T / HTTP/1.1\r\nHost: a\r\n\r\n", "a method that is not a token")]
    public void OtherHeads_AreLeftToKestrel(string head, string why)
    {
        Assert.True(Parse(head, out _, out _, out _) == Http1ParseResult.HandOver, why);
    }

    [Fact]
    public void Limits_AreKestrels()
    {
        var fields = string.Concat(Enumerable.Range(0, 99).Select(i => $"X-{i}: v\r\n"));
        Assert.Equal(Http1ParseResult.Parsed, Parse($"GET / HTTP/1.1\r\nHost: a\r\n{fields}\r\n", out _, out _, out _));
        Assert.Equal(Http1ParseResult.HandOver, Parse($"GET / HTTP/1.1\r\nHost: a\r\n{fields}X-100: v\r\n\r\n", out _, out _, out _));

        var longTarget = "/" + new string('a', 8 * 1024);
        Assert.Equal(Http1ParseResult.HandOver, Parse($"GET {longTarget} HTTP/1.1\r\nHost: a\r\n\r\n", out _, out _, out _));
        var bigField = new string('v', 32 * 1024);
        Assert.Equal(Http1ParseResult.HandOver, Parse($"GET / HTTP/1.1\r\nHost: a\r\nX-Big: {bigField}\r\n\r\n", out _, out _, out _));

        // An unfinished head waits for more until it is as large as a head may be, then Kestrel answers it (431).
        Assert.Equal(Http1ParseResult.NeedMore, Parse("GET / HTTP/1.1\r\nHost: a\r\n", out _, out _, out _));
        Assert.Equal(Http1ParseResult.HandOver, Parse("GET / HTTP/1.1\r\nX: " + new string('a', Http1RequestParser.MaxHeadSize), out _, out _, out _));
    }

    [Fact]
    public void TheHeadsParts_ReachTheSink()
    {
        var strings = new Http1Strings();
        var sink = new Sink();
        var head = "PATCH /p/q?r=1 HTTP/1.1\r\nhost: a.example\r\nuser-agent: t\r\nX-A: 1\r\nX-A:  2 \r\nConnection: Close\r\n\r\nGET";
        var result = Http1RequestParser.Parse(Encoding.ASCII.GetBytes(head), ref sink, strings, out var consumed, out var close);

        Assert.Equal(Http1ParseResult.Parsed, result);
        Assert.Equal(head.Length - 3, consumed); // the next request's first bytes stay
        Assert.True(close);
        Assert.Equal(("PATCH", "/p/q", "?r=1", "/p/q?r=1"), sink.Line);
        Assert.Equal(["Host: a.example", "User-Agent: t", "X-A: 1", "X-A: 2", "Connection: Close"], sink.Fields);
        Assert.Same(Microsoft.AspNetCore.Http.HttpMethods.Patch, sink.Line.Method);

        // The same head again: the same strings (nothing allocated for what repeats).
        var again = new Sink();
        Http1RequestParser.Parse(Encoding.ASCII.GetBytes(head), ref again, strings, out _, out _);
        Assert.Same(sink.Line.Path, again.Line.Path);
        Assert.Same(sink.FieldValues[0], again.FieldValues[0]);
    }

    private static Http1ParseResult Parse(string head, out Sink sink, out int consumed, out bool close)
    {
        sink = new Sink();
        return Http1RequestParser.Parse(Encoding.UTF8.GetBytes(head), ref sink, new Http1Strings(), out consumed, out close);
    }

    private sealed class Sink : IHttp1RequestSink
    {
        public (string Method, string Path, string Query, string RawTarget) Line { get; private set; }

        public List<string> Fields { get; } = [];

        public List<string> FieldValues { get; } = [];

        public void OnRequestLine(string method, string path, string query, string rawTarget) => Line = (method, path, query, rawTarget);

        public void OnHeader(string name, string value)
        {
            Fields.Add($"{name}: {value}");
            FieldValues.Add(value);
        }
    }
}
