namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Net.Http;

/// <summary>
/// The request body's way to the backend: counts what the request content writes, so that a body shorter or longer
/// than its Content-Length fails the request (as SocketsHttpHandler does) instead of desynchronising the connection.
/// </summary>
/// <remarks>One per connection, reset per request: no allocation per forwarded body. Disposing it (a content may) leaves
/// the socket open: the connection owns it.</remarks>
internal sealed class Http1RequestBodyStream(Stream inner) : Stream
{
    private long _remaining;

    public void Reset(long length) => _remaining = length;

    public bool Complete => _remaining == 0;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Take(buffer.Length);
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        Take(count);
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Take(int count)
    {
        if (count > _remaining)
        {
            throw new HttpRequestException(HttpRequestError.Unknown, "The request body is longer than its Content-Length.");
        }

        _remaining -= count;
    }
}
