namespace Portcullis.DataPlane.Tests;

using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Portcullis.DataPlane.Tests.TestSupport;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>WebSocket upgrades cross the proxy to an HTTP/1.1 backend and stay open both ways.</summary>
public class ProxyWebSocketTests
{
    [Fact]
    public async Task WebSocket_OverHttp11Upgrade_EchoesThroughTheProxy()
    {
        await using var backend = await WebSocketEchoBackend.StartAsync();
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, Route("ws.example.com", "/chat", To(backend.Backend())))), CancellationToken.None);

        using var invoker = Invoker(port);
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://ws.example.com:{port}/chat"), invoker, CancellationToken.None);

        Assert.Equal("ws.example.com: hello", await RoundTripAsync(socket, "hello"));
        Assert.Equal("ws.example.com: again", await RoundTripAsync(socket, "again"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task WebSocket_OverHttp2ExtendedConnect_ReachesHttp11Backend()
    {
        await using var backend = await WebSocketEchoBackend.StartAsync();
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/chat", To(backend.Backend())))), CancellationToken.None);

        using var invoker = Invoker(port);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await socket.ConnectAsync(new Uri($"ws://h2.example.com:{port}/chat"), invoker, CancellationToken.None);

        Assert.Equal("h2.example.com: over h2c", await RoundTripAsync(socket, "over h2c"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task WebSocket_OverTlsWithHttp2ExtendedConnect_ReachesHttp11Backend()
    {
        await using var backend = await WebSocketEchoBackend.StartAsync();
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var certificate = TestCertificates.WithSans("default/ws", "ws", "*.example.com");
        await proxy.Server.ApplyAsync(
            Of(Https("default/gw/https", port, "*.example.com", [certificate], Route("*.example.com", "/chat", To(backend.Backend())))),
            CancellationToken.None);

        using var invoker = Invoker(port);
        using var socket = new ClientWebSocket();
        socket.Options.HttpVersion = HttpVersion.Version20;
        socket.Options.HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        await socket.ConnectAsync(new Uri($"wss://secure.example.com:{port}/chat"), invoker, CancellationToken.None);

        Assert.Equal("secure.example.com: over h2", await RoundTripAsync(socket, "over h2"));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task WebSocket_WithoutMatchingRoute_IsRefusedWith404()
    {
        await using var backend = await WebSocketEchoBackend.StartAsync();
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Http(port, Route("*", "/chat", To(backend.Backend())))), CancellationToken.None);

        using var invoker = Invoker(port);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri($"ws://ws.example.com:{port}/elsewhere"), invoker, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, socket.HttpStatusCode);
    }

    private static async Task<string> RoundTripAsync(ClientWebSocket socket, string message)
    {
        await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.True(received.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }

    /// <summary>An invoker that reaches 127.0.0.1:port whatever the URL's host.</summary>
    private static HttpMessageInvoker Invoker(int port) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificates.IsIssuedByTestCa(certificate),
        },
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });
}
