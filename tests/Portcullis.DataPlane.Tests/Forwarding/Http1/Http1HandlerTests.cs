namespace Portcullis.DataPlane.Tests.Forwarding.Http1;

using System.Net;
using System.Net.Http;
using System.Text;
using Portcullis.DataPlane.Forwarding.Http1;

public sealed class Http1HandlerTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

    [Fact]
    public async Task SendAsync_ContentLengthResponses_ReuseOneConnection()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok));
        using var client = Client();

        for (var i = 0; i < 3; i++)
        {
            using var response = await client.SendAsync(Get(backend.Uri($"/n/{i}?q=1")), CancellationToken.None);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("hello", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(1, backend.Accepted);
        Assert.Equal(["GET /n/0?q=1 HTTP/1.1", "GET /n/1?q=1 HTTP/1.1", "GET /n/2?q=1 HTTP/1.1"], backend.Requests.Select(r => r.Line));
    }

    [Theory]
    [InlineData(0)] // one write
    [InlineData(3)] // sizes, data and CRLFs split across reads
    public async Task SendAsync_ChunkedResponse_JoinsChunksKeepsTrailersAndReusesConnection(int piece)
    {
        const string chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nGrpc-Status: 0\r\n\r\n";
        await using var backend = new RawBackend((_, s) => piece == 0 ? RawBackend.Write(s, chunked) : RawBackend.WritePiecewise(s, chunked, piece));
        using var client = Client();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
            Assert.Equal("hello, world", await response.Content.ReadAsStringAsync());
            Assert.True(response.Headers.TransferEncodingChunked);
            Assert.Equal("0", Assert.Single(response.TrailingHeaders.GetValues("Grpc-Status")));
        }

        Assert.Equal(1, backend.Accepted);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "ok")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\nuntil the end", "until the end")] // no length: the body runs to the close
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok")] // HTTP/1.0 without keep-alive
    public async Task SendAsync_ResponseThatEndsTheConnection_IsReadWholeAndTheNextRequestOpensANewOne(string answer, string body)
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, answer, keepOpen: false));
        using var client = Client();

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
            Assert.Equal(body, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(2, backend.Accepted);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten.")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc")]
    public async Task ReadBody_BackendClosesMidBody_ThrowsResponseEnded(string answer)
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, answer, keepOpen: false));
        using var client = Client();

        using var response = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
        var stream = await response.Content.ReadAsStreamAsync();
        var error = await Assert.ThrowsAsync<HttpIOException>(() => stream.CopyToAsync(Stream.Null));
        Assert.Equal(HttpRequestError.ResponseEnded, error.HttpRequestError);
    }

    [Fact]
    public async Task SendAsync_BackendClosesBeforeAnswering_ThrowsHttpRequestException()
    {
        await using var backend = new RawBackend((_, _) => Task.FromResult(false));
        using var client = Client();

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Get(backend.Uri()), CancellationToken.None));
        Assert.Equal(HttpRequestError.ResponseEnded, error.HttpRequestError);
    }

    [Fact]
    public async Task SendAsync_NothingListening_ThrowsConnectionError()
    {
        int port;
        await using (var closed = new RawBackend((_, _) => Task.FromResult(false)))
        {
            port = closed.Port;
        }

        using var client = Client();
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Get(new Uri($"http://127.0.0.1:{port}/")), CancellationToken.None));
        Assert.Equal(HttpRequestError.ConnectionError, error.HttpRequestError);
    }

    [Fact]
    public async Task SendAsync_PooledConnectionClosedByTheBackend_RetriesOnANewConnection()
    {
        // The backend answers with keep-alive and then closes anyway, as a server whose idle timeout just expired.
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok, keepOpen: false));
        using var client = Client();

        using (var first = await client.SendAsync(Get(backend.Uri()), CancellationToken.None))
        {
            Assert.Equal("hello", await first.Content.ReadAsStringAsync());
        }

        using var second = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
        Assert.Equal("hello", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, backend.Accepted);
    }

    [Fact]
    public async Task SendAsync_BodyLeftUnread_ClosesTheConnectionInsteadOfReusingIt()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok));
        using var client = Client();

        (await client.SendAsync(Get(backend.Uri()), CancellationToken.None)).Dispose();
        using var second = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
        Assert.Equal("hello", await second.Content.ReadAsStringAsync());

        Assert.Equal(2, backend.Accepted);
    }

    [Fact]
    public async Task SendAsync_HeadAnd204AndInformational_HaveNoBodyAndKeepTheConnection()
    {
        await using var backend = new RawBackend((r, s) => RawBackend.Write(s, r.Line.StartsWith("HEAD", StringComparison.Ordinal)
            ? "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"
            : "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"));
        using var client = Client();

        using (var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, backend.Uri()), CancellationToken.None))
        {
            Assert.Equal(1000, head.Content.Headers.ContentLength);
            Assert.Equal(string.Empty, await head.Content.ReadAsStringAsync());
        }

        using var noContent = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
        Assert.Equal(HttpStatusCode.NoContent, noContent.StatusCode);
        Assert.False(noContent.Headers.Contains("Link"));
        Assert.Equal(1, backend.Accepted);
    }

    [Fact]
    public async Task SendAsync_RequestHead_CarriesHostHeadersAndBodyLength()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok));
        using var client = Client();

        var post = new HttpRequestMessage(HttpMethod.Post, backend.Uri("/p")) { Content = new ByteArrayContent("body!"u8.ToArray()) };
        post.Headers.Host = "www.example.com";
        post.Headers.TryAddWithoutValidation("Cookie", ["a=1", "b=2"]);
        post.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        (await client.SendAsync(post, CancellationToken.None)).Dispose();
        (await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, backend.Uri("/empty")), CancellationToken.None)).Dispose();

        var sent = backend.Requests[0];
        Assert.Equal("POST /p HTTP/1.1", sent.Line);
        Assert.Contains("\r\nHost: www.example.com", sent.Head, StringComparison.Ordinal);
        Assert.Contains("\r\nCookie: a=1; b=2", sent.Head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: text/plain", sent.Head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Length: 5", sent.Head, StringComparison.Ordinal);
        Assert.Equal("body!", sent.Body);
        Assert.Contains($"\r\nHost: 127.0.0.1:{backend.Port}", backend.Requests[1].Head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Length: 0", backend.Requests[1].Head, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a\r\nInjected: yes")] // would split the head
    [InlineData("a\nb")]
    [InlineData("a\0b")]
    [InlineData("price \u20ac")] // no Latin-1 byte for it: refused rather than sent as '?'
    public async Task SendAsync_HeaderValueThatIsNotOneLatin1Line_IsRefusedBeforeAnythingIsSent(string value)
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, Ok));
        using var client = Client();
        var request = Get(backend.Uri());
        request.Headers.TryAddWithoutValidation("X-Evil", value);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(request, CancellationToken.None));
        Assert.Empty(backend.Requests);
    }

    [Fact]
    public async Task SendAsync_CustomReasonAndRepeatedHeaders_ArePassedOn()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s,
            "HTTP/1.1 200 Fine Thanks\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Custom:  spaced value \t\r\nContent-Length: 0\r\n\r\n"));
        using var client = Client();

        using var response = await client.SendAsync(Get(backend.Uri()), CancellationToken.None);
        Assert.Equal("Fine Thanks", response.ReasonPhrase);
        Assert.Equal(["a=1", "b=2"], response.Headers.GetValues("Set-Cookie"));
        Assert.Equal("spaced value", Assert.Single(response.Headers.GetValues("X-Custom")));
    }

    [Fact]
    public async Task SendAsync_MalformedStatusLine_ThrowsHttpRequestException()
    {
        await using var backend = new RawBackend((_, s) => RawBackend.Write(s, "SSH-2.0-OpenSSH\r\n\r\n"));
        using var client = Client();

        await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(Get(backend.Uri()), CancellationToken.None));
    }

    [Theory]
    [InlineData("https://127.0.0.1/", "1.1", null)]
    [InlineData("http://127.0.0.1/", "2.0", null)]
    [InlineData("http://127.0.0.1/", "1.1", "Upgrade")]
    [InlineData("http://127.0.0.1/", "1.1", "Expect")]
    public void CanHandle_TlsHttp2UpgradeOrExpect_GoesToSocketsHttpHandler(string uri, string version, string? header)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri) { Version = Version.Parse(version) };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(header, header == "Expect" ? "100-continue" : "websocket");
        }

        Assert.False(Http1Handler.CanHandle(request));
        Assert.True(Http1Handler.CanHandle(new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/") { Version = HttpVersion.Version11 }));
    }

    [Fact]
    public void CanHandle_BodyOfUnknownLength_GoesToSocketsHttpHandler()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1/") { Version = HttpVersion.Version11, Content = new StreamContent(new UnseekableStream()) };

        Assert.False(Http1Handler.CanHandle(request));
    }

    private static HttpMessageInvoker Client() => new(new Http1Handler(new SocketsHttpHandler()));

    private static HttpRequestMessage Get(Uri uri) => new(HttpMethod.Get, uri) { Version = HttpVersion.Version11 };

    private sealed class UnseekableStream : MemoryStream
    {
        public override bool CanSeek => false;
    }
}
