namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Buffers;
using System.Net.Http;
using System.Net.Sockets;

/// <summary>
/// One keep-alive HTTP/1.1 connection to a backend: the socket, one pooled receive buffer that response heads and
/// small bodies are parsed from, and one pooled send buffer the request head is written into.
/// </summary>
/// <remarks>Used by one request at a time: the pool hands it out and takes it back only when a response was fully read.</remarks>
internal sealed class Http1Connection : IDisposable
{
    // SocketsHttpHandler's default MaxResponseHeadersLength is 64 KiB; a head larger than that is refused the same way.
    internal const int MaxHeadLength = 64 * 1024;
    private const int InitialBuffer = 4096;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private byte[] _receive = ArrayPool<byte>.Shared.Rent(InitialBuffer);
    private byte[] _send = ArrayPool<byte>.Shared.Rent(InitialBuffer);
    private int _start;
    private int _end;
    private bool _disposed;

    // The direct forwarder's per-request cancellation: the activity timeout and the client going away (see Arm).
    private CancellationTokenSource? _activity;
    private CancellationTokenRegistration _aborted;

    // The same for timeouts an ActivityWatch covers: the deadline (Environment.TickCount64) its sweep checks, Fired once
    // the sweep cancelled, 0 between requests and for a request on the source's timer (the sweep leaves 0 alone).
    private const long Fired = -1;
    private ActivityWatch? _watch;
    private long _deadline;

    public Http1Connection(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        RequestBody = new Http1RequestBodyStream(_stream);
        HeaderCache = new Http1HeaderCache();
    }

    public Http1RequestBodyStream RequestBody { get; }

    /// <summary>The response header values of the previous response, reused when a value repeats.</summary>
    public Http1HeaderCache HeaderCache { get; }

    /// <summary>Set when the connection comes from the pool: a failure before any response byte may be a stale socket.</summary>
    public bool Reused { get; set; }

    /// <summary>When the connection went back to the pool (Environment.TickCount64).</summary>
    public long IdleSince { get; set; }

    /// <summary>Whether the current request has had any response byte (see <see cref="BeginRequest"/>).</summary>
    public bool ReceivedAny { get; private set; }

    public void BeginRequest() => ReceivedAny = false;

    /// <summary>
    /// A token for this request's operations that is cancelled when <paramref name="timeout"/> passes without
    /// <see cref="Touch"/> or when <paramref name="requestAborted"/> is: one source per connection, reset between
    /// requests (<see cref="Disarm"/>), so a request allocates none. A timeout <paramref name="watch"/> covers is kept
    /// as a deadline the watch's sweep enforces; a shorter one by the source's timer.
    /// </summary>
    public CancellationToken Arm(TimeSpan timeout, CancellationToken requestAborted, ActivityWatch? watch = null)
    {
        var activity = _activity ??= new CancellationTokenSource();
        if (watch is not null && watch.Covers(timeout) && (_watch is null || _watch == watch))
        {
            if (_watch is null)
            {
                _watch = watch;
                watch.Add(this);
            }

            Volatile.Write(ref _deadline, Environment.TickCount64 + (long)timeout.TotalMilliseconds);
        }
        else
        {
            activity.CancelAfter(timeout);
        }

        _aborted = requestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), activity);
        return activity.Token;
    }

    /// <summary>Something arrived: the activity timeout starts again.</summary>
    public void Touch(TimeSpan timeout)
    {
        if (_disposed)
        {
            return;
        }

        var deadline = Volatile.Read(ref _deadline);
        if (deadline == 0)
        {
            _activity?.CancelAfter(timeout);
            return;
        }

        // Only the sweep writes anything else (Fired): a deadline it has passed stays passed.
        if (deadline != Fired)
        {
            Interlocked.CompareExchange(ref _deadline, Environment.TickCount64 + (long)timeout.TotalMilliseconds, deadline);
        }
    }

    /// <summary>Ends the request's cancellation; false when it fired (the connection must not serve another request).</summary>
    public bool Disarm()
    {
        // Either this takes the deadline first and the sweep leaves the connection alone, or the sweep has marked it
        // and cancels (or has cancelled) its source: then it does not go back to the pool.
        var fired = Interlocked.Exchange(ref _deadline, 0) == Fired;
        _aborted.Dispose(); // waits for a callback in progress, so none fires after this
        _aborted = default;
        return !fired && (_activity is null || _activity.TryReset());
    }

    /// <summary>The sweep of <see cref="ActivityWatch"/>: cancels the request when its deadline has passed.</summary>
    internal void CancelIfPast(long now)
    {
        var deadline = Volatile.Read(ref _deadline);
        if (deadline is 0 or Fired || now < deadline || Interlocked.CompareExchange(ref _deadline, Fired, deadline) != deadline)
        {
            return;
        }

        try
        {
            _activity?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed as it failed in the meantime: nothing left to cancel.
        }
    }

    public int Buffered => _end - _start;

    public ReadOnlySpan<byte> BufferedSpan => _receive.AsSpan(_start, _end - _start);

    public void Consume(int count) => _start += count;

    /// <summary>The idle socket has something to read: the backend closed it (or sent bytes nobody asked for).</summary>
    public bool LooksClosed()
    {
        try
        {
            return _socket.Poll(0, SelectMode.SelectRead);
        }
        catch (SocketException)
        {
            return true;
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>A send buffer of at least <paramref name="size"/> bytes, keeping the first <paramref name="keep"/>.</summary>
    public byte[] SendBuffer(int size, int keep)
    {
        if (_send.Length < size)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(size, _send.Length * 2));
            _send.AsSpan(0, keep).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_send);
            _send = bigger;
        }

        return _send;
    }

    public ValueTask SendAsync(int length, CancellationToken cancellationToken) =>
        _stream.WriteAsync(_send.AsMemory(0, length), cancellationToken);

    /// <summary>Reads more bytes into the receive buffer; false at the end of the stream.</summary>
    /// <exception cref="HttpRequestException">The buffered bytes reached <see cref="MaxHeadLength"/>.</exception>
    public async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _receive.Length)
        {
            if (_start > 0)
            {
                _receive.AsSpan(_start, _end - _start).CopyTo(_receive);
            }
            else if (_receive.Length >= MaxHeadLength)
            {
                throw new HttpRequestException(HttpRequestError.ConfigurationLimitExceeded,
                    $"The backend's response head is larger than {MaxHeadLength} bytes.");
            }
            else
            {
                var bigger = ArrayPool<byte>.Shared.Rent(_receive.Length * 2);
                _receive.AsSpan(_start, _end - _start).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_receive);
                _receive = bigger;
            }

            _end -= _start;
            _start = 0;
        }

        var read = await _stream.ReadAsync(_receive.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        _end += read;
        ReceivedAny |= read > 0;
        return read > 0;
    }

    /// <summary>Body bytes: the buffered ones first, then straight from the socket into the caller's buffer.</summary>
    public ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        if (_start < _end)
        {
            var n = Math.Min(destination.Length, _end - _start);
            _receive.AsSpan(_start, n).CopyTo(destination.Span);
            _start += n;
            return new ValueTask<int>(n);
        }

        return _stream.ReadAsync(destination, cancellationToken);
    }

    /// <summary>Waits until the socket has data, without taking a buffer (the stream copier's zero-byte read).</summary>
    public ValueTask<int> WaitForDataAsync(CancellationToken cancellationToken) =>
        _start < _end ? new ValueTask<int>(0) : _stream.ReadAsync(Memory<byte>.Empty, cancellationToken);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _watch?.Remove(this);
        _stream.Dispose();
        _aborted.Dispose();
        _activity?.Dispose();

        // Not returned to the pool: a read or write may still be pending on them when a request is aborted.
        _receive = [];
        _send = [];
    }

    /// <summary>Hands the buffers back: only for a connection with no operation in flight.</summary>
    public void DisposeIdle()
    {
        if (_disposed)
        {
            return;
        }

        var receive = _receive;
        var send = _send;
        Dispose();
        ArrayPool<byte>.Shared.Return(receive);
        ArrayPool<byte>.Shared.Return(send);
    }
}
