namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Portcullis.DataPlane.Forwarding.Reencrypt;

/// <summary>
/// The HTTP/1.1 hop to plain (cleartext) backends without SocketsHttpHandler: a small pool of keep-alive sockets per
/// endpoint, the request line and headers written into one pooled buffer, the response head parsed from a pooled
/// buffer, the body streamed as it arrives (Content-Length, chunked, or to the close). YARP still builds the request
/// and runs the transforms, so routing and header semantics do not change.
/// </summary>
/// <remarks>
/// What it does not handle goes to <paramref name="fallback"/> (SocketsHttpHandler) unchanged: HTTPS and HTTP/2
/// backends, upgrades (WebSockets), CONNECT, Expect: 100-continue, and request bodies without a Content-Length.
/// A request on a reused connection that fails before any response byte arrived, with no body sent, is retried once
/// on a new connection: the backend closed the idle socket (as HttpClient also retries).
/// </remarks>
internal sealed class Http1Handler : HttpMessageHandler
{
    private static readonly long IdleTimeoutMs = (long)BackendHandler.IdleTimeout.TotalMilliseconds;

    private readonly HttpMessageInvoker _fallback;
    private readonly ConcurrentDictionary<(string Host, int Port), Http1Pool> _pools = new();
    private readonly Timer _scavenger;

    public Http1Handler(HttpMessageHandler fallback)
    {
        _fallback = new HttpMessageInvoker(fallback);
        _scavenger = new Timer(static s => ((Http1Handler)s!).CloseIdle(), this, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
    }

    /// <summary>Whether this handler writes the request itself (otherwise SocketsHttpHandler does).</summary>
    internal static bool CanHandle(HttpRequestMessage request)
    {
        if (request.RequestUri is not { IsAbsoluteUri: true } uri || !string.Equals(uri.Scheme, Uri.UriSchemeHttp, StringComparison.Ordinal)
            || request.Version != HttpVersion.Version11 || request.Method == HttpMethod.Connect)
        {
            return false;
        }

        var headers = request.Headers.NonValidated;
        if (headers.Contains("Upgrade") || headers.Contains("Expect") || headers.Contains("Transfer-Encoding"))
        {
            return false;
        }

        return request.Content is not { } content
            || (content.Headers.ContentLength is not null && !content.Headers.NonValidated.Contains("Transfer-Encoding"));
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return CanHandle(request) ? SendOwnAsync(request, request.RequestUri!, cancellationToken) : _fallback.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _scavenger.Dispose();
            foreach (var pool in _pools.Values)
            {
                pool.Dispose();
            }

            _fallback.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<HttpResponseMessage> SendOwnAsync(HttpRequestMessage request, Uri uri, CancellationToken cancellationToken)
    {
        var host = uri.IdnHost;
        var port = uri.Port;
        var pool = PoolFor(host, port);
        var content = request.Content;
        for (var attempt = 0; ; attempt++)
        {
            var connection = (attempt == 0 ? pool.Rent() : null) ?? await ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
            var bodyStarted = false;
            try
            {
                connection.BeginRequest();
                var length = Http1RequestWriter.WriteHead(connection, request, uri);
                await connection.SendAsync(length, cancellationToken).ConfigureAwait(false);
                if (content is not null)
                {
                    bodyStarted = true;
                    var bodyLength = content.Headers.ContentLength!.Value;
                    connection.RequestBody.Reset(bodyLength);
                    await content.CopyToAsync(connection.RequestBody, cancellationToken).ConfigureAwait(false);
                    if (!connection.RequestBody.Complete)
                    {
                        throw new HttpRequestException(HttpRequestError.Unknown, "The request body is shorter than its Content-Length.");
                    }
                }

                HttpResponseMessage? response;
                while ((response = Http1Head.TryRead(connection, pool, request)) is null)
                {
                    if (!await connection.FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw ClosedBeforeResponse();
                    }
                }

                return response;
            }
            catch (Exception e) when (IsStaleConnection(e, connection, attempt, bodyStarted, cancellationToken))
            {
                connection.Dispose(); // a stale keep-alive socket: once more on a new one
            }
            catch (Exception e)
            {
                connection.Dispose();
                if (e is OperationCanceledException or HttpRequestException)
                {
                    throw;
                }

                throw new HttpRequestException(HttpRequestError.Unknown, $"An error occurred while sending the request to {host}:{port}.", e);
            }
        }
    }

    /// <summary>The keep-alive connections to one endpoint (shared with <see cref="Http1Forwarder"/>).</summary>
    internal Http1Pool PoolFor(string host, int port) => _pools.GetOrAdd((host, port), static _ => new Http1Pool());

    /// <summary>
    /// Whether a request that failed on <paramref name="connection"/> may be sent once more on a new one: the first
    /// attempt, on a pooled connection, failed before any response byte and before any body byte was sent (the
    /// backend had closed the idle socket).
    /// </summary>
    internal static bool IsStaleConnection(Exception e, Http1Connection connection, int attempt, bool bodyStarted, CancellationToken cancellationToken) =>
        attempt == 0 && connection.Reused && !connection.ReceivedAny && !bodyStarted && !cancellationToken.IsCancellationRequested
        && e is IOException or SocketException or HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded };

    /// <summary>The backend closed before any response: on a reused connection, what <see cref="IsStaleConnection"/> retries.</summary>
    internal static HttpRequestException ClosedBeforeResponse() =>
        new(HttpRequestError.ResponseEnded, "The backend closed the connection before sending a response.");

    /// <param name="limit">The connect timeout; <see cref="BackendHandler.ConnectTimeout"/> when null.</param>
    internal static async ValueTask<Http1Connection> ConnectAsync(string host, int port, CancellationToken cancellationToken, TimeSpan? limit = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var connectTimeout = limit ?? BackendHandler.ConnectTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(connectTimeout);
        try
        {
            EndPoint endpoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
            await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
            return new Http1Connection(socket);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TaskCanceledException($"Connecting to {host}:{port} timed out after {connectTimeout.TotalSeconds} s.", new TimeoutException(e.Message));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new HttpRequestException(HttpRequestError.ConnectionError, $"{e.Message} ({host}:{port})", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void CloseIdle()
    {
        foreach (var (key, pool) in _pools)
        {
            pool.CloseIdle(IdleTimeoutMs);

            // Endpoints come and go with EndpointSlices: an empty pool unused for twice the idle timeout is dropped.
            if (pool.TryRetire(2 * IdleTimeoutMs))
            {
                _pools.TryRemove(KeyValuePair.Create(key, pool));
            }
        }
    }
}
