namespace Portcullis.Cli.Echo;

using System.Buffers;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Http;

/// <summary>
/// echo-basic's WebSocket handler: accepts the upgrade (any path) and sends every message back unchanged, text as
/// text and binary as binary, until the client closes.
/// </summary>
internal static class EchoWebSocket
{
    /// <summary>Messages larger than this are refused: the conformance test sends a few bytes.</summary>
    public const int MaxMessageBytes = 1 << 20;

    public static async Task RunAsync(HttpContext http)
    {
        using var socket = await http.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxMessageBytes);
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var (type, length) = await ReceiveMessageAsync(socket, buffer, http.RequestAborted).ConfigureAwait(false);
                if (type == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                if (length < 0)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, null, CancellationToken.None).ConfigureAwait(false);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, length), type, endOfMessage: true, http.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away mid-conversation: nothing left to echo to.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads one whole message; length -1 when it does not fit the buffer.</summary>
    private static async Task<(WebSocketMessageType Type, int Length)> ReceiveMessageAsync(WebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == MaxMessageBytes)
            {
                return (WebSocketMessageType.Binary, -1);
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length, MaxMessageBytes - length), cancellationToken).ConfigureAwait(false);
            length += result.Count;
            if (result.MessageType == WebSocketMessageType.Close || result.EndOfMessage)
            {
                return (result.MessageType, length);
            }
        }
    }
}
