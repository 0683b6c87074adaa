namespace Portcullis.FunctionalTests.Conformance;

using System.Net.WebSockets;
using System.Text;

/// <summary>Upstream's HTTPRouteBackendProtocolWebSocket (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/httproute-backend-protocol-websocket.go).</summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteWebSocketTests(ConformanceSuite suite)
{
    private const string Gw = "same-namespace";

    // Port 8082 of infra-backend-v1 has appProtocol kubernetes.io/ws. Like upstream: a text and a binary message
    // must come back unchanged, on 3 connections in a row (AwaitConvergence with RequiredConsecutiveSuccesses).
    [Fact]
    public async Task HTTPRouteBackendProtocolWebSocket()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-backend-protocol-websocket.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, "backend-protocol-ws");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        var streak = 0;
        string? complaint = null;
        while (streak < 3)
        {
            Assert.True(DateTime.UtcNow < deadline, $"websocket connection should reach backend: {complaint}");
            complaint = await RoundTripAsync(new Uri($"ws://{address}:{g.HttpPort}/ws"));
            if (complaint is null)
            {
                streak++;
            }
            else
            {
                streak = 0;
                await Task.Delay(100);
            }
        }
    }

    private static async Task<string?> RoundTripAsync(Uri remote)
    {
        using var ws = new ClientWebSocket();
        ws.Options.SetRequestHeader("Origin", "ws://gateway/HTTPRouteBackendProtocolWebSocket");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await ws.ConnectAsync(remote, timeout.Token);
            const string text = "Websocket Support!";
            await ws.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
            var (textType, textReply) = await ReceiveAsync(ws, timeout.Token);
            if (textType != WebSocketMessageType.Text || Encoding.UTF8.GetString(textReply) != text)
            {
                return $"unexpected reply - want text {text}, got {textType} {Encoding.UTF8.GetString(textReply)}";
            }

            byte[] binary = [1, 2, 3, 4, 5, 6, 7];
            await ws.SendAsync(binary, WebSocketMessageType.Binary, endOfMessage: true, timeout.Token);
            var (binaryType, binaryReply) = await ReceiveAsync(ws, timeout.Token);
            if (binaryType != WebSocketMessageType.Binary || !binary.AsSpan().SequenceEqual(binaryReply))
            {
                return $"unexpected reply - want binary {Convert.ToHexString(binary)}, got {binaryType} {Convert.ToHexString(binaryReply)}";
            }

            await ws.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            return null;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Data)> ReceiveAsync(ClientWebSocket ws, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        using var data = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await ws.ReceiveAsync(buffer, cancellationToken);
            data.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, data.ToArray());
    }
}
