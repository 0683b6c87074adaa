namespace Portcullis.DataPlane.L4;

using System.Net.Sockets;
using Yarp.ReverseProxy.Utilities.Tls;

/// <summary>What the first TLS record of a connection says, read without consuming it.</summary>
internal enum ClientHelloOutcome
{
    /// <summary>A complete ClientHello; <see cref="ClientHello.ServerName"/> is its SNI, if any.</summary>
    Hello,

    /// <summary>The client sent something that is not a TLS ClientHello.</summary>
    NotTls,

    /// <summary>The client closed, or did not finish its ClientHello in time.</summary>
    Gone,
}

internal readonly record struct ClientHello(ClientHelloOutcome Outcome, string? ServerName = null);

/// <summary>
/// Peeks at a connection's ClientHello (MSG_PEEK, so the bytes stay queued for whoever reads the
/// connection next: the backend in passthrough, SslStream or Kestrel otherwise) and reads its SNI with
/// YARP's TlsFrameHelper. A client that trickles or stalls is given up on after the timeout: never a hang.
/// </summary>
internal static class ClientHelloPeek
{
    private const int RecordHeaderSize = 5;

    // The largest TLS record: a ClientHello that does not fit one record is not routed by SNI.
    private const int MaxRecordSize = RecordHeaderSize + 16384;

    public static async Task<ClientHello> ReadAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[MaxRecordSize];
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            var received = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.Peek, deadline.Token).ConfigureAwait(false);
            while (true)
            {
                if (received == 0)
                {
                    return new(ClientHelloOutcome.Gone);
                }

                var outcome = TryParse(buffer.AsSpan(0, received));
                if (outcome is { } done)
                {
                    return done;
                }

                // A peek returns at once while any data is queued, so wait for more before looking again.
                await Task.Delay(5, deadline.Token).ConfigureAwait(false);
                received = await socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.Peek, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            return new(ClientHelloOutcome.Gone);
        }
        catch (SocketException)
        {
            return new(ClientHelloOutcome.Gone);
        }
    }

    /// <summary>The outcome once the bytes so far decide it; null while the record is incomplete.</summary>
    internal static ClientHello? TryParse(ReadOnlySpan<byte> data)
    {
        if (data.Length < RecordHeaderSize)
        {
            return data.Length > 0 && data[0] != (byte)TlsContentType.Handshake ? new(ClientHelloOutcome.NotTls) : null;
        }

        var header = default(TlsFrameHeader);
        if (!TlsFrameHelper.TryGetFrameHeader(data, ref header) || header.Type != TlsContentType.Handshake)
        {
            return new(ClientHelloOutcome.NotTls);
        }

        if (data.Length < RecordHeaderSize + header.Length)
        {
            return data.Length >= MaxRecordSize ? new(ClientHelloOutcome.NotTls) : null;
        }

        var info = default(TlsFrameHelper.TlsFrameInfo);
        if (!TlsFrameHelper.TryGetFrameInfo(data, ref info, TlsFrameHelper.ProcessingOptions.ServerName)
            || info.HandshakeType != TlsHandshakeType.ClientHello)
        {
            return new(ClientHelloOutcome.NotTls);
        }

        return new(ClientHelloOutcome.Hello, string.IsNullOrEmpty(info.TargetName) ? null : info.TargetName);
    }
}
