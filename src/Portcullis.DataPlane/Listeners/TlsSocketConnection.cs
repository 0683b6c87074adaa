namespace Portcullis.DataPlane.Listeners;

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

/// <summary>
/// An HTTPS connection whose TLS we terminate ourselves: <see cref="SslStream"/> straight on the accepted socket, the
/// application data handed to Kestrel's HTTP/1.1 or HTTP/2 code through pipes read on demand. Kestrel's own path puts
/// its socket transport (two pipes and a receive and a send loop per connection) and a stream adapter under the
/// SslStream; without them a keep-alive request costs ~2 µs (7%) less CPU and a new connection ~30 µs (8%) less
/// (bench/cpu.sh; bench/README.md, "Session 13").
/// </summary>
/// <remarks>
/// Carries the TLS features Kestrel's HTTPS middleware would set (scheme https, ALPN, protocol for HTTP/2's TLS 1.2
/// requirement, the client certificate). The socket is read only when Kestrel reads (zero-byte reads first, as
/// Kestrel's HTTPS middleware reads, so an idle connection holds no buffer). A client that closes while Kestrel is not
/// reading (an HTTP/1.1 request waiting for its backend) would go unnoticed until the response is written, where
/// Kestrel's socket transport, which always has a read pending, sees it at once; <see cref="ClientCloseWatch"/> looks
/// for it instead, once a second, on connections that have been busy that long.
/// </remarks>
internal sealed class TlsSocketConnection : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IConnectionLifetimeFeature, IConnectionEndPointFeature,
    ITlsConnectionFeature, ITlsHandshakeFeature, ITlsApplicationProtocolFeature, ISslStreamFeature
{
    private static long s_lastId;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new(initialCapacity: 16);
    private SslStream? _ssl;
    private IDictionary<object, object?>? _items;
    private IDuplexPipe? _transport;
    private int _disposed;
    private int _signalled;
    private long _waitDeadline;

    public TlsSocketConnection(Socket socket)
    {
        _socket = socket;
        ConnectionId = "T" + Interlocked.Increment(ref s_lastId).ToString("X", System.Globalization.CultureInfo.InvariantCulture);
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport
    {
        get => _transport ?? throw new InvalidOperationException("The TLS handshake has not completed.");
        set => _transport = value;
    }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException();
    }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public SslStream SslStream => _ssl ?? throw new InvalidOperationException("The TLS handshake has not started.");

    public X509Certificate2? ClientCertificate { get; set; }

    public System.Security.Authentication.SslProtocols Protocol => SslStream.SslProtocol;

    public TlsCipherSuite? NegotiatedCipherSuite => SslStream.NegotiatedCipherSuite;

    public string HostName => SslStream.TargetHostName;

#pragma warning disable SYSLIB0058 // Kestrel's ITlsHandshakeFeature still has the obsolete members; they answer as Kestrel's do.
    public System.Security.Authentication.CipherAlgorithmType CipherAlgorithm => SslStream.CipherAlgorithm;

    public int CipherStrength => SslStream.CipherStrength;

    public System.Security.Authentication.HashAlgorithmType HashAlgorithm => SslStream.HashAlgorithm;

    public int HashStrength => SslStream.HashStrength;

    public System.Security.Authentication.ExchangeAlgorithmType KeyExchangeAlgorithm => SslStream.KeyExchangeAlgorithm;

    public int KeyExchangeStrength => SslStream.KeyExchangeStrength;
#pragma warning restore SYSLIB0058

    public ReadOnlyMemory<byte> ApplicationProtocol => SslStream.NegotiatedApplicationProtocol.Protocol;

    /// <summary>
    /// Runs the handshake with the options <paramref name="select"/> picks from the ClientHello, then sets the TLS
    /// features and the transport. Throws when the handshake fails or takes longer than <paramref name="timeout"/>.
    /// </summary>
    public async Task AuthenticateAsync(ServerOptionsSelectionCallback select, object? state, TimeSpan timeout)
    {
        var network = new WatchedStream(_socket);
        _ssl = new SslStream(network, leaveInnerStreamOpen: false);
        using var deadline = new CancellationTokenSource(timeout);
        await _ssl.AuthenticateAsServerAsync(select, state, deadline.Token).ConfigureAwait(false);
        if (_ssl.RemoteCertificate is { } remote)
        {
            ClientCertificate = remote as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
        }

        ClientCloseWatch.Add(this, network);
        _features.Set<ITlsConnectionFeature>(this);
        _features.Set<ITlsHandshakeFeature>(this);
        _features.Set<ITlsApplicationProtocolFeature>(this);
        _features.Set<ISslStreamFeature>(this);
    }

    /// <summary>
    /// Gives Kestrel its pipes over the SslStream, for HTTP/2 or when Kestrel serves HTTP/1.1; <paramref name="replay"/>
    /// is what <see cref="Http1ServerConnection"/> had read but not served, read again first.
    /// </summary>
    public void StartTransport(ReadOnlyMemory<byte> replay = default)
    {
        var pool = MemoryPool<byte>.Shared;
        Stream input = replay.IsEmpty ? _ssl! : new ReplayStream(replay, _ssl!);
        _transport = new DuplexPipe(
            PipeReader.Create(input, new StreamPipeReaderOptions(pool, bufferSize: 4096, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true)),
            PipeWriter.Create(_ssl!, new StreamPipeWriterOptions(pool, minimumBufferSize: 4096, leaveOpen: true)));
    }

    /// <summary>
    /// When <see cref="Http1ServerConnection"/> stops waiting for the client (Environment.TickCount64): for its next
    /// request (keep-alive timeout), for the rest of a head, or for a response write to drain; 0 while it waits for
    /// nothing or when Kestrel serves the connection (it keeps its own timeouts). <see cref="ClientCloseWatch"/> aborts
    /// a connection past it.
    /// </summary>
    public long WaitDeadline
    {
        get => Volatile.Read(ref _waitDeadline);
        set => Volatile.Write(ref _waitDeadline, value);
    }

    /// <summary>
    /// After a failed handshake: sends FIN, then reads and drops what the client still sends (its request after a TLS
    /// 1.3 handshake the server refused) until it closes, 64 KiB or 2 s. Closing with those bytes unread would send a
    /// reset instead, and the client would see ECONNRESET rather than the end of the stream, as Kestrel's transport
    /// (which had read them) gave.
    /// </summary>
    public async Task LingerAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            for (var total = 0; total < 64 * 1024;)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Reset, closed or out of time: nothing more to do.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(ClientCertificate);

    public override void Abort(ConnectionAbortedException abortReason)
    {
        // Pending reads end (0 bytes) and writes fail; Kestrel then finishes the connection and disposes it.
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already gone.
        }

        SignalClosed();
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            if (_transport is { } transport)
            {
                await transport.Input.CompleteAsync().ConfigureAwait(false);
                await transport.Output.CompleteAsync().ConfigureAwait(false);
            }

            if (_ssl is { } ssl)
            {
                await ssl.DisposeAsync().ConfigureAwait(false);
            }

            ClientCloseWatch.Remove(this);
            _socket.Dispose();
            SignalClosed();
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void SignalClosed()
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            // Off this thread: the registrations (Kestrel's, the port's drain tracking) must not run inside an abort.
            // Not disposed afterwards: ConnectionClosed stays readable (a CancellationTokenSource without a timer holds nothing).
            ThreadPool.UnsafeQueueUserWorkItem(static cts => cts.Cancel(), _closed, preferLocal: false);
        }
    }

    /// <summary>
    /// The socket's stream, noting when the last read with data completed and no read has started since: then Kestrel is
    /// busy with what it read (a request waiting for its backend) and nothing would see the client close.
    /// </summary>
    internal sealed class WatchedStream(Socket socket) : NetworkStream(socket, ownsSocket: false)
    {
        private long _busySince;

        /// <summary>Environment.TickCount64 when Kestrel stopped reading, 0 while it reads.</summary>
        public long BusySince => Volatile.Read(ref _busySince);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Volatile.Write(ref _busySince, 0);
            return Noted(base.ReadAsync(buffer, cancellationToken), zeroByte: buffer.IsEmpty);
        }

        /// <summary>The socket's read, handed on with the busy mark set when it brings data.</summary>
        internal ValueTask<int> Noted(ValueTask<int> read, bool zeroByte)
        {
            if (!read.IsCompletedSuccessfully)
            {
                // With zero-byte reads first, the read that brings data completes at once (the wait was the zero-byte
                // one), and only that path must stay free of allocations. One with a buffer that waits (the rest of a TLS
                // record split across segments) may be the last before the request is served: noted when it completes.
                return zeroByte ? read : NoteWhenRead(read);
            }

            // Its result is taken once and handed on as a plain value: a read that went pending and has completed since
            // is backed by the socket's reusable source, which must not be consumed twice (ours, then the caller's).
            return new ValueTask<int>(Marked(read.Result));
        }

        private async ValueTask<int> NoteWhenRead(ValueTask<int> read) => Marked(await read.ConfigureAwait(false));

        /// <summary>A read that brought data: from now the connection is busy with it until the next read starts.</summary>
        private int Marked(int count)
        {
            if (count > 0)
            {
                Volatile.Write(ref _busySince, Environment.TickCount64);
            }

            return count;
        }
    }

    /// <summary>Reads <c>replay</c> first, then the stream: the bytes a connection had read before Kestrel took it.</summary>
    private sealed class ReplayStream(ReadOnlyMemory<byte> replay, Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (replay.IsEmpty)
            {
                return inner.ReadAsync(buffer, cancellationToken);
            }

            var count = Math.Min(buffer.Length, replay.Length);
            replay.Span[..count].CopyTo(buffer.Span);
            replay = replay[count..];
            return new ValueTask<int>(count);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
