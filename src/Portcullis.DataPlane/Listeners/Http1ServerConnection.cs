namespace Portcullis.DataPlane.Listeners;

using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

/// <summary>
/// Serves the HTTP/1.1 requests of a connection we terminated (<see cref="TlsSocketConnection"/>) without Kestrel's
/// HTTP/1.1 layer, for as long as they are the plain kind (<see cref="Http1RequestParser"/>: no body, no upgrade): the
/// head is parsed from the SslStream, the request handler runs on an <see cref="HttpContext"/> whose features this
/// class is, and the response goes out through <see cref="Http1ResponseWriter"/>. At the first request that is not
/// plain the connection is handed to Kestrel with the bytes read so far, and Kestrel serves it from then on.
/// </summary>
/// <remarks>
/// Why: a new connection costs ~8% less CPU without Kestrel's per-connection HTTP/1.1 objects and pipes, a keep-alive
/// request ~3% (bench/cpu.py; bench/README.md, "Session 14"). Kept from Kestrel: its limits (a head over them goes to
/// Kestrel, which answers 431), its timeouts (see <see cref="Http1Timeouts"/>; plus a write timeout for clients that do
/// not read), Content-Length: 0 on an empty response, chunked otherwise, the Date header, 500 for a handler that throws
/// before its response started (the connection then closes), an abort after. A graceful close (a port removed) closes
/// an idle connection at once and a busy one after its response.
/// </remarks>
internal sealed class Http1ServerConnection :
    IHttpRequestFeature, IHttpResponseFeature, IHttpResponseBodyFeature, IHttpRequestLifetimeFeature,
    IHttpRequestBodyDetectionFeature, IHttpConnectionFeature, IConnectionLifetimeNotificationFeature, IHttp1RequestSink,
    IHttp1PassThroughFeature
{
    private const int ReadSize = 4096;

    private readonly TlsSocketConnection _connection;
    private readonly SslStream _ssl;
    private readonly RequestDelegate _application;
    private readonly ILogger _logger;
    private readonly ConnectionDispatcher _dispatcher;
    private readonly Http1Timeouts _timeouts;
    private readonly Http1Strings _strings = new();
    private readonly HeaderDictionary _requestHeaders = new();
    private readonly HeaderDictionary _responseHeaders = new();
    private readonly Http1ResponseWriter _writer;
    private FeatureCollection _features = null!;
    private DefaultHttpContext _context = null!;
    private int _revision;
    private Stream? _responseStream;
    private List<(Func<object, Task> Callback, object State)>? _onStarting;
    private List<(Func<object, Task> Callback, object State)>? _onCompleted;
    private byte[]? _input;
    private int _start;
    private int _end;
    private bool _clientClose;
    private bool _aborted;
    private volatile bool _closing;
    private int _idle; // 1 while waiting for a request's first byte (RequestClose may then close at once)

    public Http1ServerConnection(
        TlsSocketConnection connection, RequestDelegate application, ILogger logger, ConnectionDispatcher dispatcher)
    {
        _connection = connection;
        _ssl = connection.SslStream;
        _application = application;
        _logger = logger;
        _dispatcher = dispatcher;
        _timeouts = dispatcher.Http1Timeouts;
        _writer = new Http1ResponseWriter(_ssl);
        var local = connection.LocalEndPoint as IPEndPoint;
        var remote = connection.RemoteEndPoint as IPEndPoint;
        LocalIpAddress = local?.Address;
        LocalPort = local?.Port ?? 0;
        RemoteIpAddress = remote?.Address;
        RemotePort = remote?.Port ?? 0;
        ConnectionId = connection.ConnectionId;
        connection.Features.Set<IConnectionLifetimeNotificationFeature>(this);
        NewContext();
    }

    // IHttpRequestFeature
    public string Protocol { get; set; } = HttpProtocol.Http11;

    public string Scheme { get; set; } = "https";

    public string Method { get; set; } = HttpMethods.Get;

    public string PathBase { get; set; } = string.Empty;

    public string Path { get; set; } = "/";

    public string QueryString { get; set; } = string.Empty;

    public string RawTarget { get; set; } = "/";

    IHeaderDictionary IHttpRequestFeature.Headers
    {
        get => _requestHeaders;
        set => throw new NotSupportedException();
    }

    Stream IHttpRequestFeature.Body
    {
        get => Stream.Null;
        set => throw new NotSupportedException();
    }

    // IHttpRequestBodyDetectionFeature: only requests without a body are served here.
    public bool CanHaveBody => false;

    // IHttpResponseFeature
    public int StatusCode { get; set; } = StatusCodes.Status200OK;

    public string? ReasonPhrase { get; set; }

    IHeaderDictionary IHttpResponseFeature.Headers
    {
        get => _responseHeaders;
        set => throw new NotSupportedException();
    }

    internal HeaderDictionary ResponseHeaders => _responseHeaders;

    // IHttp1PassThroughFeature. The forwarder sets no header before it forwards (sessions add theirs when the response
    // starts, route edits after the backend answered: ForwardingTransformer.EditsResponse); the count keeps the rule
    // true for whatever might.
    public Http1ResponseWriter? UntouchedResponse =>
        !_writer.HasStarted && StatusCode == StatusCodes.Status200OK && ReasonPhrase is null && _responseHeaders.Count == 0 && _onStarting is null
            ? _writer
            : null;

#pragma warning disable CS0618 // IHttpResponseFeature.Body is obsolete; it is still part of the interface.
    Stream IHttpResponseFeature.Body
    {
        get => Stream;
        set => throw new NotSupportedException();
    }
#pragma warning restore CS0618

    public bool HasStarted => _writer.HasStarted;

    // IHttpResponseBodyFeature
    public Stream Stream => _responseStream ??= _writer.AsStream(leaveOpen: true);

    public System.IO.Pipelines.PipeWriter Writer => _writer;

    // IHttpRequestLifetimeFeature
    public CancellationToken RequestAborted
    {
        get => _connection.ConnectionClosed;
        set => throw new NotSupportedException();
    }

    // IHttpConnectionFeature
    public string ConnectionId { get; set; }

    public IPAddress? RemoteIpAddress { get; set; }

    public IPAddress? LocalIpAddress { get; set; }

    public int RemotePort { get; set; }

    public int LocalPort { get; set; }

    // IConnectionLifetimeNotificationFeature (nothing here reads its token; the connection's closing is the nearest).
    public CancellationToken ConnectionClosedRequested
    {
        get => _connection.ConnectionClosed;
        set => throw new NotSupportedException();
    }

    /// <summary>HEAD, 1xx, 204 and 304 responses have no body.</summary>
    internal bool DropsBody => HttpMethods.IsHead(Method) || StatusCode is < 200 or 204 or 304;

    /// <summary>Whether the connection closes after this response (the client asked, or a graceful close).</summary>
    internal bool ClosesAfterResponse => _clientClose || _closing;

    /// <remarks>
    /// One async method for the connection's life: its state machine is allocated once, where methods awaited per
    /// request would each allocate one per request on a loaded server (their pools hold too few for 64 connections).
    /// </remarks>
    public async Task RunAsync()
    {
        var handedOver = false;
        var closeNotify = false; // set when a complete response was the connection's last: the client is told with a TLS close_notify
        try
        {
            while (!_closing)
            {
                // The head: read until one is complete (an idle connection waits without a buffer).
                WaitAtMost(_timeouts.KeepAlive);
                Http1ParseResult parsed;
                while ((parsed = TryParse()) == Http1ParseResult.NeedMore)
                {
                    if (_input is null)
                    {
                        // Full fences both here and in RequestClose: one of the two sees the other's write.
                        Interlocked.Exchange(ref _idle, 1);
                        if (_closing)
                        {
                            return;
                        }

                        await _ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                        Volatile.Write(ref _idle, 0);
                    }

                    var read = await _ssl.ReadAsync(FreeSpace()).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return;
                    }

                    if (_end == 0)
                    {
                        WaitAtMost(_timeouts.Head);
                    }

                    _end += read;
                }

                if (parsed == Http1ParseResult.HandOver)
                {
                    handedOver = _dispatcher.HandOverHttp1(_connection, _input.AsMemory(_start, _end - _start).ToArray());
                    return;
                }

                // The response.
                _dispatcher.CountHttp1Request();
                Exception? failure = null;
                try
                {
                    await _application(_context).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }

                if (!CanAnswer(failure))
                {
                    return;
                }

                try
                {
                    await _writer.CompleteAsync().ConfigureAwait(false);
                }
                catch (InvalidOperationException ex)
                {
                    // A header Kestrel would refuse too (a control character): nothing of this response was sent.
                    DataPlaneLog.RequestFailed(_logger, ConnectionId, ex);
                    Abort();
                    return;
                }

                if (_writer.Short)
                {
                    Abort(); // fewer bytes than its Content-Length: the client must not take the next response for the rest
                    return;
                }

                var keepAlive = !_clientClose && !SaysClose(_responseHeaders["Connection"]);
                if (_onCompleted is not null)
                {
                    await RunOnCompletedAsync().ConfigureAwait(false);
                }

                ResetRequest();
                closeNotify = !keepAlive || _closing; // this response was the last (asked for, or a graceful close)
                if (!keepAlive)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The client went away or the connection was aborted.
        }
        catch (Exception ex)
        {
            // Anything else from the connection itself (the handler's own failures are answered above): it ends here,
            // logged as a failed dispatch rather than left to fault a task nobody awaits.
            DataPlaneLog.DispatchFailed(_logger, _connection.Features.Get<GatewayConnectionFeature>()?.Port.ToString() ?? ConnectionId, ex);
        }
        finally
        {
            ReleaseInput();
            _writer.Release();
            if (!handedOver)
            {
                if (closeNotify)
                {
                    await SendCloseNotifyAsync().ConfigureAwait(false);
                }

                await _connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Ends the TLS session with a close_notify alert before the connection closes (RFC 8446 6.1: each party sends one
    /// before closing its write side), as nginx and Envoy do after a last response: without it an OpenSSL client reads
    /// "unexpected eof" and cannot tell the end of the session from a cut connection. A client that has gone or stopped
    /// reading is not waited for beyond the write timeout.
    /// </summary>
    private async Task SendCloseNotifyAsync()
    {
        WaitAtMost(_timeouts.Write);
        try
        {
            await _ssl.ShutdownAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away first: nothing left to tell it.
        }
        finally
        {
            _connection.WaitDeadline = 0;
        }
    }

    /// <summary>Parses what is buffered: the head's parts go into this request, and the head is consumed.</summary>
    private Http1ParseResult TryParse()
    {
        if (_end == _start)
        {
            return Http1ParseResult.NeedMore;
        }

        var sink = this;
        var result = Http1RequestParser.Parse(_input.AsSpan(_start, _end - _start), ref sink, _strings, out var consumed, out _clientClose);
        if (result != Http1ParseResult.NeedMore)
        {
            _start += consumed;
            _connection.WaitDeadline = 0;
            if (result == Http1ParseResult.Parsed && _start == _end)
            {
                // The head's parts are strings now: the buffer goes back before the request waits for its backend, so
                // the pool is not short of buffers when many connections wait at once.
                ReleaseInput();
            }
        }

        return result;
    }

    /// <summary>Where the next read goes: the buffer, rented when the connection had none, compacted, grown up to a head's limit.</summary>
    private Memory<byte> FreeSpace()
    {
        if (_input is null)
        {
            _input = ArrayPool<byte>.Shared.Rent(ReadSize);
        }
        else if (_start > 0)
        {
            _input.AsSpan(_start, _end - _start).CopyTo(_input);
            _end -= _start;
            _start = 0;
        }

        if (_end == _input.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_input.Length * 2, Http1RequestParser.MaxHeadSize + ReadSize));
            _input.AsSpan(0, _end).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_input);
            _input = larger;
        }

        return _input.AsMemory(_end);
    }

    /// <summary>
    /// After the handler: false when the connection must end (it was aborted, or the handler failed after its response
    /// started); a failure before that becomes Kestrel's answer, 500 without a body, and the connection closes after it.
    /// </summary>
    private bool CanAnswer(Exception? failure)
    {
        if (_aborted)
        {
            return false;
        }

        if (failure is null)
        {
            return true;
        }

        DataPlaneLog.RequestFailed(_logger, ConnectionId, failure);
        if (_writer.HasStarted)
        {
            Abort();
            return false;
        }

        _responseHeaders.Clear();
        ReasonPhrase = null;
        StatusCode = StatusCodes.Status500InternalServerError;
        _onStarting = null;
        _clientClose = true;
        return true;
    }

    private static bool SaysClose(Microsoft.Extensions.Primitives.StringValues values)
    {
        foreach (var value in values)
        {
            if (value is not null && Forwarding.Http1.Http1Head.HasToken(value, "close"))
            {
                return true;
            }
        }

        return false;
    }

    private void ResetRequest()
    {
        _requestHeaders.Clear();
        _responseHeaders.IsReadOnly = false;
        _responseHeaders.Clear();
        StatusCode = StatusCodes.Status200OK;
        ReasonPhrase = null;
        _onStarting = null;
        _onCompleted = null;
        _writer.Reset(this);
        _writer.Release();
        if (_features.Revision != _revision)
        {
            NewContext(); // the request added features (the query's, a forwarder's error): the next starts clean
        }
    }

    private void NewContext()
    {
        _features = new FeatureCollection(_connection.Features);
        _features.Set<IHttpRequestFeature>(this);
        _features.Set<IHttpResponseFeature>(this);
        _features.Set<IHttpResponseBodyFeature>(this);
        _features.Set<IHttpRequestLifetimeFeature>(this);
        _features.Set<IHttpRequestBodyDetectionFeature>(this);
        _features.Set<IHttpConnectionFeature>(this);
        _features.Set<IHttp1PassThroughFeature>(this);
        _revision = _features.Revision;
        _context = new DefaultHttpContext(_features);
        _writer.Reset(this);
    }

    private void ReleaseInput()
    {
        if (_input is { } input)
        {
            _input = null;
            _start = _end = 0;
            ArrayPool<byte>.Shared.Return(input);
        }
    }

    internal void RunOnStarting()
    {
        if (_onStarting is not { } callbacks)
        {
            return;
        }

        _onStarting = null;
        for (var i = callbacks.Count - 1; i >= 0; i--)
        {
            // Kestrel awaits these; the handler's (a sticky session's header) complete synchronously.
            callbacks[i].Callback(callbacks[i].State).GetAwaiter().GetResult();
        }
    }

    private async Task RunOnCompletedAsync()
    {
        if (_onCompleted is not { } callbacks)
        {
            return;
        }

        for (var i = callbacks.Count - 1; i >= 0; i--)
        {
            await callbacks[i].Callback(callbacks[i].State).ConfigureAwait(false);
        }
    }

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has already started.");
        }

        (_onStarting ??= []).Add((callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => (_onCompleted ??= []).Add((callback, state));

    public void Abort()
    {
        _aborted = true;
        _connection.Abort(new ConnectionAbortedException("The request was aborted."));
    }

    internal void CountPassThrough() => _dispatcher.CountHttp1PassThrough();

    internal void WriteStarted() => WaitAtMost(_timeouts.Write);

    internal void WriteEnded() => _connection.WaitDeadline = 0;

    /// <summary>From now the client has <paramref name="limit"/> to do what the connection waits for (ClientCloseWatch enforces it).</summary>
    private void WaitAtMost(TimeSpan limit) => _connection.WaitDeadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;

    public void RequestClose()
    {
        _closing = true;
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _idle) == 1)
        {
            // Waiting for a request: nothing is lost by closing now.
            _connection.Abort(new ConnectionAbortedException("The connection was closed gracefully."));
        }
    }

    public void DisableBuffering()
    {
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _writer.FlushAsync(cancellationToken).AsTask(); // flushing starts it

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        SendFileFallback.SendFileAsync(Stream, path, offset, count, cancellationToken);

    public Task CompleteAsync() => _writer.CompleteAsync().AsTask();

    public void OnRequestLine(string method, string path, string query, string rawTarget)
    {
        Method = method;
        Path = path;
        QueryString = query;
        RawTarget = rawTarget;
    }

    public void OnHeader(string name, string value) => _requestHeaders.Append(name, value);
}
