namespace Portcullis.DataPlane.Tls;

using System.Net.Security;
using System.Security.Authentication;

/// <summary>
/// Keeps a certificate's OpenSSL context alive between connections. .NET 10 on Linux caches one SSL_CTX per server
/// certificate (with its session cache and ticket keys), but each time 32 new contexts have been cached it drops every
/// context no live connection uses: with more than ~32 hosts in use, a host whose connections are all closed loses its
/// context, its clients' sessions stop resuming and its next handshake builds a new SSL_CTX (bench/README.md, "Session
/// 5: tls"). A pin is a server handshake over an in-memory stream, started with a recorded ClientHello and left
/// waiting for the client's next flight: its SSL object holds the context in use until the pin is disposed.
/// Without the cache (other platforms, other runtimes) a pin only costs its memory.
/// </summary>
internal sealed class ContextPin : IDisposable
{
    /// <summary>Pins cost ~60 KB each (RSS, measured): past this many (~15 MB), certificates are served unpinned as before.</summary>
    internal const int MaxPins = 256;

    private static readonly Lazy<byte[]?> ClientHello = new(RecordClientHello, LazyThreadSafetyMode.ExecutionAndPublication);
    private static int s_count;

    private readonly CancellationTokenSource _stop = new();
    private readonly SslStream _server;

    private ContextPin(SslServerAuthenticationOptions options, byte[] clientHello)
    {
        _server = new SslStream(new ParkedStream(clientHello, _stop.Token));

        // Never completes while pinned: the handshake waits for a client that will not answer.
        _ = _server.AuthenticateAsServerAsync(options, _stop.Token).ContinueWith(
            static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    /// <summary>How many pins exist in the process.</summary>
    internal static int Count => Volatile.Read(ref s_count);

    /// <summary>A pin for a server's options, or null when the limit is reached or no ClientHello could be recorded.</summary>
    public static ContextPin? TryCreate(SslServerAuthenticationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (ClientHello.Value is not { } hello)
        {
            return null;
        }

        if (Interlocked.Increment(ref s_count) > MaxPins)
        {
            Interlocked.Decrement(ref s_count);
            return null;
        }

        return new ContextPin(options, hello);
    }

    public void Dispose()
    {
        if (_stop.IsCancellationRequested)
        {
            return;
        }

        _stop.Cancel();
        _server.Dispose();
        _stop.Dispose();
        Interlocked.Decrement(ref s_count);
    }

    /// <summary>The first flight of a TLS 1.2/1.3 client offering h2 and HTTP/1.1, recorded from SslStream itself.</summary>
    private static byte[]? RecordClientHello()
    {
        var recorder = new RecordingStream();
        using var client = new SslStream(recorder);
        try
        {
            client.AuthenticateAsClient(new SslClientAuthenticationOptions
            {
                TargetHost = "pin.portcullis.invalid",
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11],
                AllowTlsResume = false,
                RemoteCertificateValidationCallback = static (_, _, _, _) => false,
            });
        }
        catch (Exception ex) when (ex is IOException or AuthenticationException)
        {
            // Expected: the recorder ends the handshake once the ClientHello is written.
        }

        return recorder.Written;
    }

    /// <summary>Reads give the recorded ClientHello, then wait until the pin is disposed; writes are dropped.</summary>
    private sealed class ParkedStream(byte[] clientHello, CancellationToken stop) : Stream
    {
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_offset < clientHello.Length)
            {
                var count = Math.Min(buffer.Length, clientHello.Length - _offset);
                clientHello.AsSpan(_offset, count).CopyTo(buffer.Span);
                _offset += count;
                return count;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, cancellationToken);
            await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
            return 0;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>Keeps the client's first write and fails its first read, which ends the client's handshake.</summary>
    private sealed class RecordingStream : Stream
    {
        public byte[]? Written { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new IOException("Recorded.");

        public override void Write(byte[] buffer, int offset, int count) => Written ??= buffer.AsSpan(offset, count).ToArray();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
