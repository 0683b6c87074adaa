namespace Portcullis.DataPlane.Tests.Listeners;

using System.Text.Json;
using Portcullis.DataPlane.Tests.Forwarding.Http1;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// Our own HTTP/1.1 loop on HTTPS connections (Http1ServerConnection): what a client sees is what Kestrel's HTTP/1.1
/// gave, requests without a body are served by the loop, and the first request it does not serve (a body, an upgrade,
/// anything unusual or malformed) hands the connection to Kestrel with the bytes already read.
/// </summary>
public class Http1ServerTests
{
    private static readonly TlsCertificate Certificate = TestCertificates.WithSans("default/www", "www", "www.example.com");

    private static readonly Http1Timeouts Short = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

    private static async Task<(ProxyFixture Proxy, int Port)> StartAsync(
        WeightedBackend backend, bool ownHttp1 = true, TimeSpan? drainTimeout = null, Http1Timeouts? timeouts = null)
    {
        var proxy = await ProxyFixture.StartAsync(drainTimeout: drainTimeout, ownHttp1: ownHttp1, timeouts: timeouts);
        var port = FreePort.Find();
        var direct = new RouteAction([], new DirectResponse(418, "teapot"));
        await proxy.Server.ApplyAsync(
            Of(Https("default/gw/https", port, null, [Certificate],
                Route("default/r/direct", "www.example.com", new PathMatch(PathMatchType.PathPrefix, "/direct"), direct),
                Route("www.example.com", "/", To(backend)))),
            CancellationToken.None);
        return (proxy, port);
    }

    [Fact]
    public async Task PlainRequests_AreServedByTheLoop_AndTheFirstBodyHandsTheConnectionToKestrel()
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        var (proxy, port) = await StartAsync(backend.Backend());
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");

        // Two requests in one write (pipelined), then a POST with a body, then a GET that Kestrel now serves.
        await client.SendAsync("GET /one?x=1 HTTP/1.1\r\nHost: www.example.com\r\nX-A: 1\r\nX-A: 2\r\n\r\nGET /two HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        var one = await client.ReadAsync();
        var two = await client.ReadAsync();
        Assert.Equal(2, proxy.Server.Dispatcher.Http1Served);
        Assert.Equal(0, proxy.Server.Dispatcher.Http1HandedOver);

        await client.SendAsync("POST /three HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 5\r\n\r\nhelloGET /four HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        var three = await client.ReadAsync();
        var four = await client.ReadAsync();

        Assert.All(new[] { one, two, three, four }, r => Assert.Equal(200, r.Status));
        var echoes = new[] { one, two, three, four }.Select(r => JsonSerializer.Deserialize<Echo>(r.Body)!).ToArray();
        Assert.Equal(["/one", "/two", "/three", "/four"], echoes.Select(e => e.Path));
        Assert.Equal("1, 2", echoes[0].Header("X-A"));
        Assert.Equal("hello", echoes[2].Body);
        Assert.Equal("POST", echoes[2].Method);
        Assert.Equal("https", echoes[0].Header("X-Forwarded-Proto"));
        Assert.Equal(2, proxy.Server.Dispatcher.Http1Served);
        Assert.Equal(1, proxy.Server.Dispatcher.Http1HandedOver);
    }

    /// <summary>The same requests through our loop and through Kestrel's HTTP/1.1: the same answers (Date aside).</summary>
    [Fact]
    public async Task Responses_AreKestrels()
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        string[] requests =
        [
            "GET /a?q=1&r=%20 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: t\r\nX-Echo-Set-Header: X-From-Backend:yes\r\n\r\n",
            "HEAD /head HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
            "GET /direct HTTP/1.1\r\nHost: www.example.com\r\n\r\n",
            "GET /elsewhere HTTP/1.1\r\nHost: other.example.com\r\n\r\n",
            "DELETE /d HTTP/1.1\r\nhost: www.example.com:443\r\nconnection: keep-alive\r\n\r\n",
            "GET /last HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n",
        ];

        var answers = new List<List<RawResponse>>();
        foreach (var own in new[] { true, false })
        {
            var (proxy, port) = await StartAsync(backend.Backend(), ownHttp1: own);
            await using var _ = proxy;
            await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
            var responses = new List<RawResponse>();
            foreach (var request in requests)
            {
                await client.SendAsync(request);
                responses.Add(await client.ReadAsync(head: request.StartsWith("HEAD", StringComparison.Ordinal)));
            }

            Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(5)), "Connection: close closes the connection");
            Assert.Equal(own ? requests.Length : 0, proxy.Server.Dispatcher.Http1Served);
            answers.Add(responses);
        }

        for (var i = 0; i < requests.Length; i++)
        {
            var (ours, kestrels) = (answers[0][i], answers[1][i]);
            Assert.Equal(kestrels.StatusLine, ours.StatusLine);
            Assert.Equal(Comparable(kestrels), Comparable(ours));
            Assert.Equal(Echoed(kestrels), Echoed(ours));
        }

        Assert.Equal(418, answers[0][2].Status);
        Assert.Equal(404, answers[0][3].Status);
        Assert.Equal("0", answers[0][3].Header("Content-Length"));
        Assert.Equal("close", answers[0][5].Header("Connection"));
        Assert.NotNull(answers[0][0].Header("Date"));

        // The backend's echo of the forwarded request, but the X-Request-Id each request gets anew.
        static string Echoed(RawResponse response)
        {
            if (response.Header("Content-Type") != "application/json" || response.Body.Length == 0)
            {
                return response.Body;
            }

            var echo = JsonSerializer.Deserialize<Echo>(response.Body)!;
            var headers = echo.Headers.Where(h => !h.Key.Equals("X-Request-Id", StringComparison.OrdinalIgnoreCase))
                .Select(h => $"{h.Key}: {h.Value}").Order(StringComparer.Ordinal);
            return $"{echo.Method} {echo.Path} {echo.Host} {echo.Protocol}\n{string.Join("\n", headers)}";
        }

        static string Comparable(RawResponse response) => string.Join(
            "\n", response.Headers.Where(h => h.Name != "Date").Select(h => $"{h.Name.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal));
    }

    /// <summary>Heads our loop does not take are Kestrel's to answer, as before: the same status either way.</summary>
    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost : www.example.com\r\n\r\n", 400)] // space before the colon
    [InlineData("GET / HTTP/1.1\r\n\r\n", 400)] // no Host
    [InlineData("GET / HTTP/1.1\r\nHost: www.example.com\r\nHost: www.example.com\r\n\r\n", 400)]
    [InlineData("GET / HTTP/1.1\r\nHost: www.example.com\r\nX-Bad: a\rb\r\n\r\n", 400)] // a bare CR
    [InlineData("GET / HTTP/1.1\r\nHost: www.example.com\r\nX-Odd: a\u0001b\r\n\r\n", 200)] // Kestrel takes it
    [InlineData("GET /a/../b/%61 HTTP/1.1\r\nHost: www.example.com\r\n\r\n", 200)] // Kestrel normalizes and decodes
    [InlineData("GET / HTTP/1.0\r\nHost: www.example.com\r\n\r\n", 200)]
    [InlineData("GET http://www.example.com/abs HTTP/1.1\r\nHost: www.example.com\r\n\r\n", 200)]
    public async Task UnusualHeads_AreKestrels(string request, int status)
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        foreach (var own in new[] { true, false })
        {
            var (proxy, port) = await StartAsync(backend.Backend(), ownHttp1: own);
            await using var _ = proxy;
            await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
            await client.SendAsync(request);
            var response = await client.ReadAsync();
            Assert.Equal(status, response.Status);
            if (status == 200 && request.Contains("/a/../", StringComparison.Ordinal))
            {
                Assert.Equal("/b/a", JsonSerializer.Deserialize<Echo>(response.Body)!.Path);
            }

            Assert.Equal(0, proxy.Server.Dispatcher.Http1Served);
            Assert.Equal(own ? 1 : 0, proxy.Server.Dispatcher.Http1HandedOver);
        }
    }

    [Fact]
    public async Task AHeadOverKestrelsLimit_Gets431FromKestrel()
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        var (proxy, port) = await StartAsync(backend.Backend());
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        await client.SendAsync($"GET / HTTP/1.1\r\nHost: www.example.com\r\nX-Big: {new string('a', 40 * 1024)}\r\n\r\n");
        Assert.Equal(431, (await client.ReadAsync()).Status);
        Assert.Equal(1, proxy.Server.Dispatcher.Http1HandedOver);
    }

    /// <summary>A backend body without a length goes out chunked, and the connection serves the next request.</summary>
    [Fact]
    public async Task ABodyWithoutLength_IsChunked()
    {
        await using var backend = new RawBackend((_, stream) => RawBackend.WritePiecewise(
            stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", 7));
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        var (proxy, port) = await StartAsync(target);
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        for (var i = 0; i < 2; i++)
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
            var response = await client.ReadAsync();
            Assert.True(response.Chunked);
            Assert.Null(response.Header("Content-Length"));
            Assert.Equal("hello world", response.Body);
        }

        Assert.Equal(2, proxy.Server.Dispatcher.Http1Served);
    }

    /// <summary>A port removed while a keep-alive connection waits for its next request: the connection closes at once.</summary>
    [Fact]
    public async Task AnIdleConnection_ClosesWhenItsPortIsRemoved()
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        var (proxy, port) = await StartAsync(backend.Backend(), drainTimeout: TimeSpan.FromSeconds(60));
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        await client.SendAsync("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        Assert.Equal(200, (await client.ReadAsync()).Status);

        await proxy.Server.ApplyAsync(Of(), CancellationToken.None);
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>
    /// openssl s_client (-ign_eof: it reads until the server ends the connection) with a request that asks to close:
    /// after the response the server ends the TLS session with a close_notify alert before the FIN (RFC 8446 6.1), as
    /// nginx does, so the client sees the end of the session rather than "unexpected eof".
    /// </summary>
    [Theory]
    [InlineData("-tls1_2")]
    [InlineData("-tls1_3")]
    public async Task ALastResponse_EndsTheTlsSessionWithCloseNotify(string version)
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        var (proxy, port) = await StartAsync(backend.Backend());
        await using var _ = proxy;

        var (output, error) = await SClientAsync(port, version, "GET /last HTTP/1.1\r\nHost: www.example.com\r\nConnection: close\r\n\r\n");

        AssertEndedWithCloseNotify(output, error);
        Assert.Equal(1, proxy.Server.Dispatcher.Http1Served); // our loop answered it
    }

    /// <summary>The same when the connection ends because its port is removed while its request waits for the backend.</summary>
    [Fact]
    public async Task AResponseDuringAGracefulClose_EndsTheTlsSessionWithCloseNotify()
    {
        var requested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new RawBackend(async (_, stream) =>
        {
            requested.TrySetResult();
            await release.Task;
            return await RawBackend.Write(stream, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        var (proxy, port) = await StartAsync(target, drainTimeout: TimeSpan.FromSeconds(60));
        await using var _ = proxy;

        var client = SClientAsync(port, "-tls1_3", "GET /slow HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        await requested.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await proxy.Server.ApplyAsync(Of(), CancellationToken.None);
        await Task.Delay(500); // the port asks its connections to close once its accept loop has ended, just after this
        release.TrySetResult();
        var (output, error) = await client;

        AssertEndedWithCloseNotify(output, error);
    }

    /// <summary>openssl s_client -msg -ign_eof with <paramref name="request"/> on stdin, until the server ends the connection.</summary>
    private static async Task<(string Output, string Error)> SClientAsync(int port, string version, string request)
    {
        // A timeout here means the server did not end the connection.
        var result = await ProcessRunner.RunAsync(
            "openssl",
            ["s_client", "-connect", $"127.0.0.1:{port}", "-servername", "www.example.com", version, "-msg", "-ign_eof"],
            TimeSpan.FromSeconds(30),
            input: request);
        return (result.StdOut, result.StdErr);
    }

    /// <summary>A 200, then a close_notify alert from the server ("<<<" is what s_client received), and no "unexpected eof".</summary>
    private static void AssertEndedWithCloseNotify(string output, string error)
    {
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("HTTP/1.1 200", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("<<< ", StringComparison.Ordinal) && l.Contains("Alert", StringComparison.Ordinal)
            && l.TrimEnd().EndsWith("warning close_notify", StringComparison.Ordinal));
        Assert.DoesNotContain("unexpected eof", error, StringComparison.Ordinal);
    }

    /// <summary>An idle keep-alive connection is closed after the keep-alive timeout, by our server as by Kestrel.</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnIdleConnection_ClosesAfterTheKeepAliveTimeout(bool ownHttp1)
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        var (proxy, port) = await StartAsync(backend.Backend(), ownHttp1: ownHttp1, timeouts: Short);
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        await client.SendAsync("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
        Assert.Equal(200, (await client.ReadAsync()).Status);
        var idle = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(8)));
        Assert.True(idle.Elapsed > TimeSpan.FromSeconds(1.5), $"closed after {idle.Elapsed}, before the 2 s timeout");
    }

    /// <summary>A client that starts a head and stops: closed after the head timeout, as Kestrel's RequestHeadersTimeout.</summary>
    [Fact]
    public async Task AnUnfinishedHead_IsClosedAfterTheHeadTimeout()
    {
        await using var backend = await EchoBackend.StartAsync("echo");
        var (proxy, port) = await StartAsync(backend.Backend(), timeouts: Short with { KeepAlive = TimeSpan.FromMinutes(5) });
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        await client.SendAsync("GET / HTTP/1.1\r\nHost: www.exa");
        Assert.True(await client.ClosedWithinAsync(TimeSpan.FromSeconds(8)));
        Assert.Equal(0, proxy.Server.Dispatcher.Http1Served);
    }

    /// <summary>
    /// A client that stops reading a large response: once a write has waited the write timeout, the connection is
    /// aborted and the backend's connection let go (Kestrel's minimum response data rate does the same on its path).
    /// </summary>
    [Fact]
    public async Task AClientThatDoesNotRead_IsAbortedAfterTheWriteTimeout()
    {
        var backendClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = new RawBackend(async (_, stream) =>
        {
            const int size = 256 * 1024 * 1024;
            var piece = new byte[64 * 1024];
            try
            {
                await RawBackend.Write(stream, $"HTTP/1.1 200 OK\r\nContent-Length: {size}\r\n\r\n");
                for (var sent = 0; sent < size; sent += piece.Length)
                {
                    await stream.WriteAsync(piece);
                }
            }
            catch (IOException)
            {
                backendClosed.TrySetResult();
            }

            return false;
        });
        var target = new WeightedBackend("raw", 1, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", backend.Port) });
        var (proxy, port) = await StartAsync(target, timeouts: Short with { KeepAlive = TimeSpan.FromMinutes(5) });
        await using var _ = proxy;
        await using var client = await RawHttp1Client.ConnectAsync(port, "www.example.com");
        await client.SendAsync("GET /big HTTP/1.1\r\nHost: www.example.com\r\n\r\n");

        // Nothing is read: the socket buffers fill, the proxy's write waits, the timeout aborts it.
        await backendClosed.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }
}
