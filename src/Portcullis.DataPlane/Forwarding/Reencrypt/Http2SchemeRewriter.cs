namespace Portcullis.DataPlane.Forwarding.Reencrypt;

using System.Buffers;

/// <summary>
/// The write side of an HTTP/2 connection that SocketsHttpHandler believes is cleartext but that runs over the TLS
/// stream our connect callback made (see <see cref="BackendTlsInvokers"/>): the handler then sends
/// <c>:scheme: http</c>, which servers that check the scheme against the connection (Kestrel, so every ASP.NET Core
/// and grpc-dotnet backend) refuse with PROTOCOL_ERROR. This stream changes exactly that field to <c>https</c>.
/// </summary>
/// <remarks>
/// SocketsHttpHandler encodes the request's pseudo-headers first and in a fixed order: <c>:method</c> (static-table
/// index 2 or 3, or a literal with name index 2), then <c>:scheme</c> as the indexed field 6 (<c>http</c>, byte 0x86)
/// or 7 (<c>https</c>, 0x87). Only that one byte, at that one position of each HEADERS frame's header block, is
/// rewritten; nothing else is touched, and a header block that does not start as expected is left as it is (the
/// backend then answers as it would have anyway). The frames are followed across writes, which may split them anywhere.
/// </remarks>
internal sealed class Http2SchemeRewriter(Stream inner) : Stream
{
    private const int PrefaceLength = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    private const int FrameHeaderLength = 9;
    private const byte HeadersFrame = 0x1;
    private const byte PaddedFlag = 0x8;
    private const byte PriorityFlag = 0x20;
    private const byte SchemeHttp = 0x86;
    private const byte SchemeHttps = 0x87;

    private readonly byte[] _frameHeader = new byte[FrameHeaderLength];
    private int _prefaceLeft = PrefaceLength;
    private int _frameHeaderFilled;
    private int _payloadLeft;
    private int _payloadPosition;

    // Positions within the current HEADERS frame's payload; -1 when not (or no longer) looked for.
    private int _methodAt = -1;
    private int _methodLengthAt = -1;
    private int _schemeAt = -1;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var copy = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.Span.CopyTo(copy);
            Rewrite(copy.AsSpan(0, buffer.Length));
            await inner.WriteAsync(copy.AsMemory(0, buffer.Length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var copy = buffer.ToArray();
        Rewrite(copy);
        inner.Write(copy);
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>Follows the frames through <paramref name="bytes"/> (the next bytes of the connection), rewriting in place.</summary>
    internal void Rewrite(Span<byte> bytes)
    {
        var i = 0;
        while (i < bytes.Length)
        {
            if (_prefaceLeft > 0)
            {
                var skip = Math.Min(_prefaceLeft, bytes.Length - i);
                _prefaceLeft -= skip;
                i += skip;
            }
            else if (_payloadLeft > 0)
            {
                if (_methodAt >= 0 || _methodLengthAt >= 0 || _schemeAt >= 0)
                {
                    Inspect(ref bytes[i]);
                }

                _payloadPosition++;
                _payloadLeft--;
                i++;
            }
            else
            {
                _frameHeader[_frameHeaderFilled++] = bytes[i++];
                if (_frameHeaderFilled == FrameHeaderLength)
                {
                    StartFrame();
                }
            }
        }
    }

    private void StartFrame()
    {
        _frameHeaderFilled = 0;
        _payloadLeft = (_frameHeader[0] << 16) | (_frameHeader[1] << 8) | _frameHeader[2];
        _payloadPosition = 0;
        _methodLengthAt = _schemeAt = -1;
        var flags = _frameHeader[4];
        _methodAt = _frameHeader[3] == HeadersFrame
            ? ((flags & PaddedFlag) != 0 ? 1 : 0) + ((flags & PriorityFlag) != 0 ? 5 : 0)
            : -1;
    }

    private void Inspect(ref byte b)
    {
        if (_payloadPosition == _methodAt)
        {
            _methodAt = -1;
            if (b is 0x82 or 0x83)
            {
                _schemeAt = _payloadPosition + 1; // :method GET or POST, indexed
            }
            else if (b is 0x02 or 0x12 or 0x42)
            {
                _methodLengthAt = _payloadPosition + 1; // a literal :method value (name index 2), its length next
            }
        }
        else if (_payloadPosition == _methodLengthAt)
        {
            _methodLengthAt = -1;
            if ((b & 0x80) == 0 && b < 0x7F)
            {
                _schemeAt = _payloadPosition + 1 + b; // a plain (not Huffman) string of that length
            }
        }
        else if (_payloadPosition == _schemeAt)
        {
            _schemeAt = -1;
            if (b == SchemeHttp)
            {
                b = SchemeHttps;
            }
        }
    }
}
