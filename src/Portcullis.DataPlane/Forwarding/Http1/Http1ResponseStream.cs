namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Buffers.Text;
using System.Net;
using System.Net.Http;

/// <summary>How the backend delimits a response body (RFC 9112 section 6.3).</summary>
internal enum BodyFraming
{
    ContentLength,
    Chunked,
    ToClose,
}

/// <summary>
/// A backend response body, read from the connection as the forwarder copies it. The connection goes back to its
/// pool the moment the body's last byte has been read and the response allowed keep-alive; a body left unread
/// (the client went away, a mirror's response disposed unread) closes the connection.
/// </summary>
internal sealed class Http1ResponseStream : Stream
{
    private HttpResponseMessage? _response;
    private Action<string, string>? _trailers;
    private BodyFraming _framing;
    private bool _keepAlive;
    private Http1Connection? _connection;
    private Http1Pool? _pool;
    private long _remaining; // Content-Length left, or what is left of the current chunk
    private bool _chunkDataEnded; // a chunk's data was read and its CRLF is still to come

    public Http1ResponseStream(Http1Connection connection, Http1Pool pool)
    {
        _connection = connection;
        _pool = pool;
    }

    /// <summary>How the body is delimited, from the head.</summary>
    public void Frame(ResponseFraming framing)
    {
        _framing = framing.Framing;
        _remaining = framing.Framing == BodyFraming.ContentLength ? framing.Length : 0;
        _keepAlive = framing.KeepAlive;
    }

    /// <summary>
    /// The head has been consumed: a body of no bytes frees the connection at once. Trailers go to the response
    /// message, or to <paramref name="trailers"/> (null: read and dropped).
    /// </summary>
    public void Start(HttpResponseMessage? response, Action<string, string>? trailers = null)
    {
        _response = response;
        _trailers = trailers;
        if (_framing == BodyFraming.ContentLength && _remaining == 0)
        {
            Finish();
        }
    }

    /// <summary>The whole body has been read (the connection went back to its pool or was closed), or it was disposed.</summary>
    public bool IsComplete => _connection is null;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_connection is not { } connection)
        {
            return new ValueTask<int>(0);
        }

        if (buffer.Length == 0)
        {
            // The forwarder's zero-byte read: wait for data without holding a buffer.
            return _framing == BodyFraming.ContentLength && _remaining == 0 ? new ValueTask<int>(0) : connection.WaitForDataAsync(cancellationToken);
        }

        return _framing switch
        {
            BodyFraming.ContentLength => ReadLengthAsync(connection, buffer, cancellationToken),
            BodyFraming.Chunked => ReadChunkedAsync(connection, buffer, cancellationToken),
            _ => ReadToCloseAsync(connection, buffer, cancellationToken),
        };
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        // Not read to the end: what is left on the socket belongs to this response, so the connection cannot serve another.
        _connection?.Dispose();
        _connection = null;
        _pool = null;
        base.Dispose(disposing);
    }

    private ValueTask<int> ReadLengthAsync(Http1Connection connection, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_remaining == 0)
        {
            return new ValueTask<int>(0);
        }

        var wanted = buffer[..(int)Math.Min(buffer.Length, _remaining)];
        var read = connection.ReadAsync(wanted, cancellationToken);
        return read.IsCompletedSuccessfully ? new ValueTask<int>(Counted(read.Result)) : AwaitCountedAsync(read);
    }

    private async ValueTask<int> AwaitCountedAsync(ValueTask<int> read) => Counted(await read.ConfigureAwait(false));

    private int Counted(int read)
    {
        if (read == 0)
        {
            throw Ended();
        }

        _remaining -= read;
        if (_remaining == 0)
        {
            Finish();
        }

        return read;
    }

    private async ValueTask<int> ReadToCloseAsync(Http1Connection connection, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await connection.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            Finish();
        }

        return read;
    }

    private async ValueTask<int> ReadChunkedAsync(Http1Connection connection, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (_remaining == 0)
        {
            var size = TryReadChunkSize(connection);
            if (size < 0)
            {
                if (!await connection.FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw Ended();
                }

                continue;
            }

            if (size == 0)
            {
                await ReadTrailersAsync(connection, cancellationToken).ConfigureAwait(false);
                Finish();
                return 0;
            }

            _remaining = size;
        }

        var read = await connection.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Ended();
        }

        _remaining -= read;
        _chunkDataEnded = _remaining == 0;
        return read;
    }

    /// <summary>
    /// The next chunk's size, parsed in the connection's buffer (after the CRLF that ends the previous chunk's
    /// data); -1 while the buffer does not hold the whole line yet.
    /// </summary>
    private long TryReadChunkSize(Http1Connection connection)
    {
        var buffered = connection.BufferedSpan;
        var skip = 0;
        if (_chunkDataEnded)
        {
            if (buffered.Length < 2)
            {
                return -1;
            }

            skip = buffered.StartsWith("\r\n"u8) ? 2 : throw Invalid("chunk data not followed by CRLF");
        }

        var end = buffered[skip..].IndexOf("\r\n"u8);
        if (end < 0)
        {
            return -1;
        }

        var size = buffered.Slice(skip, end);
        var extension = size.IndexOf((byte)';');
        size = (extension >= 0 ? size[..extension] : size).TrimEnd(" \t"u8);
        if (!Utf8Parser.TryParse(size, out ulong length, out var used, 'x') || used != size.Length || length > long.MaxValue)
        {
            throw Invalid("bad chunk size");
        }

        connection.Consume(skip + end + 2);
        _chunkDataEnded = false;
        return (long)length;
    }

    private async ValueTask ReadTrailersAsync(Http1Connection connection, CancellationToken cancellationToken)
    {
        var index = 0;
        while (true)
        {
            var line = await ReadLineAsync(connection, cancellationToken).ConfigureAwait(false);
            if (line.Length == 0)
            {
                return;
            }

            var (name, value) = Http1Head.SplitField(line.Span, connection.HeaderCache, index++) ?? throw Invalid("bad trailer field");
            if (_response is not null)
            {
                _response.TrailingHeaders.TryAddWithoutValidation(name, value);
            }
            else
            {
                _trailers?.Invoke(name, value);
            }
        }
    }

    /// <summary>The next line without its CRLF, consumed from the connection's buffer (copied: the buffer moves).</summary>
    private static async ValueTask<ReadOnlyMemory<byte>> ReadLineAsync(Http1Connection connection, CancellationToken cancellationToken)
    {
        while (true)
        {
            var end = connection.BufferedSpan.IndexOf("\r\n"u8);
            if (end >= 0)
            {
                var line = connection.BufferedSpan[..end].ToArray();
                connection.Consume(end + 2);
                return line;
            }

            if (!await connection.FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw Ended();
            }
        }
    }

    private void Finish()
    {
        var connection = _connection;
        var pool = _pool;
        _connection = null;
        _pool = null;
        if (connection is null)
        {
            return;
        }

        // Bytes past the end of this response were never asked for: the connection is out of step, not reusable.
        if (_keepAlive && connection.Buffered == 0 && pool is not null)
        {
            pool.Return(connection);
        }
        else
        {
            connection.DisposeIdle(); // nothing in flight on it: its buffers can go back
        }
    }

    private static HttpIOException Ended() => new(HttpRequestError.ResponseEnded, "The backend closed the connection before the response body ended.");

    private static HttpIOException Invalid(string what) => new(HttpRequestError.InvalidResponse, $"Invalid chunked response body from the backend: {what}.");
}

/// <summary>The response content: its headers hold what the backend sent, its stream is the body as it arrives.</summary>
internal sealed class Http1ResponseContent(Http1ResponseStream body) : HttpContent
{
    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => body.CopyToAsync(stream);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken) =>
        body.CopyToAsync(stream, cancellationToken);

    protected override Stream CreateContentReadStream(CancellationToken cancellationToken) => body;

    protected override Task<Stream> CreateContentReadStreamAsync() => Task.FromResult<Stream>(body);

    protected override Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) => Task.FromResult<Stream>(body);

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body.Dispose();
        }

        base.Dispose(disposing);
    }
}
