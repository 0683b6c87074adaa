namespace Portcullis.Cli.Tests.Echo;

using System.Net;
using System.Net.WebSockets;
using System.Text;
using Portcullis.Cli.Echo;

public class EchoWebSocketTests
{
    private static readonly EchoContext Context = new("gateway-conformance-infra", "", "", "infra-backend-v1-abc");

    private static Task<EchoServerHandle> StartAsync() =>
        EchoServer.StartAsync(new EchoServerOptions(IPAddress.Loopback, 0, 0, Context, null), CancellationToken.None);

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket ws)
    {
        var buffer = new byte[4096];
        using var data = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await ws.ReceiveAsync(buffer, CancellationToken.None);
            data.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, data.ToArray());
    }

    [Fact]
    public async Task HttpPort_WebSocketUpgrade_EchoesTextAndBinaryMessages()
    {
        await using var server = await StartAsync();
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Origin", "ws://gateway/test");
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{server.HttpPort}/ws"), CancellationToken.None);

        await ws.SendAsync(Encoding.UTF8.GetBytes("Websocket Support!"), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var (textType, text) = await ReceiveAsync(ws);
        Assert.Equal(WebSocketMessageType.Text, textType);
        Assert.Equal("Websocket Support!", Encoding.UTF8.GetString(text));

        byte[] binary = [1, 2, 3, 4, 5, 6, 7];
        await ws.SendAsync(binary, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        var (binaryType, echoed) = await ReceiveAsync(ws);
        Assert.Equal(WebSocketMessageType.Binary, binaryType);
        Assert.Equal(binary, echoed);

        await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, ws.State);
    }

    [Fact]
    public async Task HttpPort_MessageInFragments_IsEchoedAsOneMessage()
    {
        await using var server = await StartAsync();
        using var ws = new ClientWebSocket();
        await ws.ConnectAsync(new Uri($"ws://127.0.0.1:{server.HttpPort}/"), CancellationToken.None);

        await ws.SendAsync(Encoding.UTF8.GetBytes("hello, "), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        await ws.SendAsync(Encoding.UTF8.GetBytes("world"), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var (_, text) = await ReceiveAsync(ws);
        Assert.Equal("hello, world", Encoding.UTF8.GetString(text));
    }
}
