namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Text;
using Microsoft.AspNetCore.Http;
using Portcullis.DataPlane.Listeners;

/// <summary>
/// The direct forwarder's common case written straight into our own HTTP/1.1 loop's response
/// (<see cref="IHttp1PassThroughFeature"/>): a response with a Content-Length whose body came with its head, to a GET
/// (or any request but HEAD) nothing has answered yet, on a route that edits no response header. The backend's fields
/// go byte for byte into the client's head and the body from the backend connection's buffer, with no strings, header
/// dictionary, body stream or copy loop between them: ~2.8 µs (11.5%) less CPU per keep-alive request (bench/README.md,
/// "Session 18").
/// </summary>
/// <remarks>
/// What the client gets is what the general way gives (<see cref="Http1Head.ReadFields"/>, the forwarder's response
/// sink, <see cref="Http1ResponseWriter"/>): the status line as HTTP/1.1 with the backend's custom reason phrase, the
/// fields but the hop-by-hop ones, a repeated Content-Length once, the backend's Date or one of ours, Connection: close
/// when the client asked. Field names keep the backend's case (the general way writes the common ones in their usual
/// case; names are case-insensitive). Anything else is taken back before a byte is sent and goes the general way,
/// which answers as it always has: a chunked or unframed body, a longer body, no body by status, a malformed head
/// (502), a character a response header cannot carry (the connection aborted).
/// </remarks>
internal static class Http1PassThrough
{
    // The forwarder's hop-by-hop names as bytes, for heads that never become strings.
    private static readonly byte[][] HopByHop = [.. Http1Forwarder.HopByHopNames.Select(Encoding.ASCII.GetBytes)];

    /// <summary>Writes the whole response into the client's buffer and frees the backend connection; false (nothing written) for the general way.</summary>
    /// <param name="end">Where the backend's head ends in the connection's buffer (<see cref="Http1Head.FindFinalHead"/>).</param>
    public static bool TryWrite(HttpContext context, ForwardingTransformer transformer, Http1Connection connection, Http1Pool pool, int end)
    {
        if (transformer.EditsResponse
            || context.Features.Get<IHttp1PassThroughFeature>()?.UntouchedResponse is not { } writer
            || HttpMethods.IsHead(context.Request.Method))
        {
            return false;
        }

        var head = connection.BufferedSpan[..(end + 2)];
        var status = Http1Head.ReadStatusLine(head, out var http10, out var reason);
        if (status is < 200 or 204 or 205 or 304)
        {
            return false; // no body by its status, or a Content-Length that YARP's rules drop
        }

        writer.BeginPassThrough(status, reason);
        var bodyStart = end + 4;
        if (!TryPassFields(head, http10, writer, out var length, out var keepAlive) || connection.Buffered - bodyStart < length)
        {
            writer.CancelPassThrough();
            return false;
        }

        writer.EndPassThrough(status, reason, length);
        var body = (int)length;
        connection.BufferedSpan.Slice(bodyStart, body).CopyTo(writer.GetSpan(body));
        writer.Advance(body);
        connection.Consume(bodyStart + body);

        // As Http1ResponseStream leaves a connection whose response was read: bytes past it mean it is out of step.
        if (keepAlive && connection.Buffered == 0)
        {
            pool.Return(connection);
        }
        else
        {
            connection.DisposeIdle();
        }

        return true;
    }

    /// <summary>
    /// The head's fields into the pass-through head, as the general way passes them on; false for a head that way must
    /// take: no Content-Length, any Transfer-Encoding, a folded line or one without a name, an invalid or a second
    /// different Content-Length, a character <see cref="Http1ResponseWriter.TryPassField"/> refuses.
    /// </summary>
    /// <param name="head">From the status line to the last field's CRLF.</param>
    /// <param name="keepAlive">Whether the backend connection may serve another request (<see cref="Http1Head.ReadFields"/>'s rule).</param>
    internal static bool TryPassFields(ReadOnlySpan<byte> head, bool http10, Http1ResponseWriter writer, out long length, out bool keepAlive)
    {
        length = -1;
        keepAlive = !http10;
        var rest = head[(head.IndexOf("\r\n"u8) + 2)..];
        while (rest.Length > 0)
        {
            var lineEnd = rest.IndexOf("\r\n"u8);
            var line = rest[..lineEnd];
            rest = rest[(lineEnd + 2)..];
            if (!Http1Head.TrySplit(line, out var name, out var value) || line[0] is (byte)' ' or (byte)'\t')
            {
                return false; // a folded line, or one without a name
            }

            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Http1Head.TryParseLength(value, out var parsed) || (length >= 0 && parsed != length))
                {
                    return false;
                }

                if (length >= 0)
                {
                    continue; // a repeated identical one is passed on once
                }

                length = parsed;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8))
            {
                return false;
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                keepAlive = !Http1Head.Closes(value, http10);
                continue;
            }
            else if (IsHopByHop(name))
            {
                continue;
            }

            if (!writer.TryPassField(name, value))
            {
                return false;
            }
        }

        return length >= 0;
    }

    private static bool IsHopByHop(ReadOnlySpan<byte> name)
    {
        foreach (var hop in HopByHop)
        {
            if (hop.Length == name.Length && Ascii.EqualsIgnoreCase(name, hop))
            {
                return true;
            }
        }

        return false;
    }
}
