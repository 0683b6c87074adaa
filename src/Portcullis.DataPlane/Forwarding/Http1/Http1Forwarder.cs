namespace Portcullis.DataPlane.Forwarding.Http1;

using System.Buffers;
using System.Collections.Frozen;
using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Routing;

/// <summary>
/// Forwards a request without a body to a plain HTTP/1.1 backend without YARP's request and response messages: the
/// request head is written from Kestrel's request into the connection's buffer, the backend's head is parsed into
/// Kestrel's response, and the body goes from the connection into the response's pipe, with the route's header
/// modifiers, URL rewrite, CORS headers and timeout. Requests that may have a body, upgrades and backends behind TLS or
/// h2c go through YARP's forwarder (see <see cref="CanForward"/>).
/// </summary>
/// <remarks>
/// What a client sees is what YARP's forwarder with <see cref="ForwardingTransformer"/> gives: the same request
/// headers (<see cref="Http1RequestWriter.WriteHead(Http1Connection, HttpContext, Uri, ForwardingTransformer)"/>), the
/// response's status, custom reason phrase (HTTP/1.x clients), headers but the hop-by-hop ones, body and trailers; 502
/// when the backend cannot be reached, closes first or answers with something that is not HTTP/1.x, 504 when it does
/// not answer within the activity timeout (YARP's default, 100 s without a byte either way), the connect timeout or
/// the rule's timeout; a response that fails (or runs out of its rule's time) after it started is aborted (an HTTP/2
/// stream is reset). A stale pooled connection is retried once on a new one, as <see cref="Http1Handler"/> does.
/// </remarks>
/// <param name="watch">What enforces long activity timeouts (<see cref="ActivityWatch.Shared"/> when null).</param>
internal sealed class Http1Forwarder(Http1Handler handler, ILogger logger, TimeSpan activityTimeout, ActivityWatch? watch = null)
{
    private readonly ActivityWatch _watch = watch ?? ActivityWatch.Shared;

    /// <summary>YARP's forwarder without a configured activity timeout (ForwarderRequestConfig's default).</summary>
    public static readonly TimeSpan DefaultActivityTimeout = TimeSpan.FromSeconds(100);

    private const long NoDeadline = long.MaxValue;

    // What one read of the body may take (YARP's stream copier reads 64 KiB at most).
    private const int BufferSize = 16 * 1024;

    // YARP's RequestUtilities: headers that belong to one hop, dropped from forwarded requests and responses.
    private static readonly FrozenSet<string> HopByHop = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "Connection", "Transfer-Encoding", "Keep-Alive", "Upgrade", "Proxy-Connection", "Proxy-Authenticate",
        "Proxy-Authentication-Info", "Proxy-Authorization", "Proxy-Features", "Proxy-Instruction", "Security-Scheme", "ALPN",
        "Close", "HTTP2-Settings", "Upgrade-Insecure-Requests", "TE", "Alt-Svc");

    public static bool IsHopByHop(string name) => HopByHop.Contains(name);

    /// <summary>The hop-by-hop header names (<see cref="IsHopByHop"/>).</summary>
    internal static IEnumerable<string> HopByHopNames => HopByHop;

    /// <summary>
    /// Whether this forwarder serves the request: a plain HTTP/1.1 backend (no TLS, not h2c) and a request that cannot
    /// have a body and is not an upgrade or CONNECT. Any route filter and timeout is applied here as YARP's path applies
    /// it (mirrors are sent apart).
    /// </summary>
    public static bool CanForward(HttpContext context, CompiledBackend backend) =>
        backend.Tls is null && !backend.IsH2c
        && !HttpMethods.IsConnect(context.Request.Method)
        && context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false }
        && context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true };

    /// <param name="timeout">The rule's timeout: the whole exchange's limit (504 before the response, an abort after).</param>
    public Task ForwardAsync(HttpContext context, ForwardingTransformer transformer, string destination, TimeSpan? timeout = null) =>
        ForwardAsync(context, transformer, destination, timeout is { } t ? Environment.TickCount64 + (long)t.TotalMilliseconds : NoDeadline);

    /// <param name="deadline">When the rule's timeout ends (Environment.TickCount64), or <see cref="NoDeadline"/>.</param>
    private async Task ForwardAsync(HttpContext context, ForwardingTransformer transformer, string destination, long deadline)
    {
        var aborted = context.RequestAborted;
        var uri = transformer.DestinationFor(context.Request, destination);
        var pool = handler.PoolFor(uri.IdnHost, uri.Port);

        Http1Connection? connection = null;
        CancellationToken token;
        int end;
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                connection = (attempt == 0 ? pool.Rent() : null)
                    ?? await Http1Handler.ConnectAsync(uri.IdnHost, uri.Port, aborted, Cut(Reencrypt.BackendHandler.ConnectTimeout, deadline))
                        .ConfigureAwait(false);
                token = connection.Arm(Cut(activityTimeout, deadline), aborted, deadline == NoDeadline ? _watch : null);
                try
                {
                    connection.BeginRequest();
                    var length = Http1RequestWriter.WriteHead(connection, context, uri, transformer);
                    await connection.SendAsync(length, token).ConfigureAwait(false);
                    while ((end = Http1Head.FindFinalHead(connection)) < 0)
                    {
                        if (!await connection.FillAsync(token).ConfigureAwait(false))
                        {
                            throw Http1Handler.ClosedBeforeResponse();
                        }
                    }

                    break;
                }
                catch (Exception e) when (Http1Handler.IsStaleConnection(e, connection, attempt, bodyStarted: false, aborted))
                {
                    connection.Dispose();
                    connection = null;
                }
            }
        }
        catch (Exception e)
        {
            connection?.Dispose();
            FailBeforeResponse(context, destination, e);
            return;
        }

        if (Http1PassThrough.TryWrite(context, transformer, connection, pool, end))
        {
            return; // the whole response waits in the client's buffer; the backend connection is free again
        }

        var response = context.Response;
        ResponseFraming framing;
        try
        {
            framing = CopyHead(context, connection.BufferedSpan[..(end + 2)], connection.HeaderCache);
            transformer.EditResponse(context);
        }
        catch (Exception e)
        {
            connection.Dispose();
            response.Clear();
            response.StatusCode = StatusCodes.Status502BadGateway;
            DataPlaneLog.ForwardFailed(logger, destination, StatusCodes.Status502BadGateway, e);
            return;
        }

        connection.Consume(end + 4);
        connection.Touch(Cut(activityTimeout, deadline)); // as YARP: the activity timeout starts again once the head is in
        var body = new Http1ResponseStream(connection, pool);
        body.Frame(framing);
        body.Start(null, framing.Framing == BodyFraming.Chunked ? TrailerSink(context) : null);
        if (body.IsComplete)
        {
            return; // no body (HEAD, 204, 304, Content-Length: 0): the connection is back in its pool
        }

        await CopyBodyAsync(context, destination, connection, body, deadline, token).ConfigureAwait(false);
    }

    /// <summary>Status, custom reason phrase and headers into Kestrel's response, as YARP copies them.</summary>
    private static ResponseFraming CopyHead(HttpContext context, ReadOnlySpan<byte> head, Http1HeaderCache cache)
    {
        var response = context.Response;
        var status = Http1Head.ReadStatusLine(head, out var http10, out var reason);
        if (status == StatusCodes.Status101SwitchingProtocols)
        {
            throw new HttpRequestException(HttpRequestError.InvalidResponse, "The backend switched protocols for a request that did not ask to.");
        }

        response.StatusCode = status;
        if (reason is not null && !HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            context.Features.GetRequiredFeature<IHttpResponseFeature>().ReasonPhrase = reason;
        }

        var sink = new ResponseSink(response.Headers);
        var framing = Http1Head.ReadFields(head, cache, status, http10, HttpMethods.IsHead(context.Request.Method), ref sink);

        // As YARP: a chunked response's Content-Length is not passed on (RFC 9112 6.3), nor a "Content-Length: 0" on a
        // status that has no content (Kestrel refuses one on 204).
        if (framing.Chunked || (status is < 200 or 204 or 205 && response.Headers.ContentLength == 0))
        {
            response.Headers.ContentLength = null;
        }

        return framing;
    }

    /// <remarks>
    /// Through a buffer and <see cref="System.IO.Pipelines.PipeWriter.WriteAsync"/>, as YARP's stream copier writes:
    /// Kestrel then sends the first write together with the response head (GetMemory and Advance on a response that
    /// has not started sent the head in a send of its own, one more system call per response).
    /// </remarks>
    private async Task CopyBodyAsync(HttpContext context, string destination, Http1Connection connection, Http1ResponseStream body,
        long deadline, CancellationToken token)
    {
        var writer = context.Response.BodyWriter;
        var aborted = context.RequestAborted;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(buffer, token).ConfigureAwait(false);
                if (body.IsComplete)
                {
                    // The connection is back in its pool: its token is no longer this request's.
                    if (read > 0)
                    {
                        await writer.WriteAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
                    }

                    return;
                }

                connection.Touch(Cut(activityTimeout, deadline));
                var flushed = await writer.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    body.Dispose(); // the client went away; the rest of the backend's body is not read
                    return;
                }
            }
        }
        catch (Exception e)
        {
            body.Dispose();
            if (!aborted.IsCancellationRequested)
            {
                DataPlaneLog.ForwardBodyFailed(logger, destination, e);
            }

            ResetOrAbort(context);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void FailBeforeResponse(HttpContext context, string destination, Exception e)
    {
        if (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (YARP answers 400 for the log's sake; nobody reads it).
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        // As YARP: a timeout (the activity timeout, or the connect timeout) is 504, any other failure 502.
        var status = e is OperationCanceledException ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
        context.Response.StatusCode = status;
        DataPlaneLog.ForwardFailed(logger, destination, status, e);
    }

    /// <summary>An HTTP/2 stream is reset (INTERNAL_ERROR), an HTTP/1.1 connection closed, as YARP does.</summary>
    private static void ResetOrAbort(HttpContext context)
    {
        const int internalError = 8;
        if (context.Features.Get<IHttpResetFeature>() is { } reset)
        {
            reset.Reset(internalError);
            return;
        }

        context.Abort();
    }

    /// <summary>Where the backend's trailers go: the client's response trailers when it can have them (HTTP/2), else nowhere.</summary>
    private static Action<string, string>? TrailerSink(HttpContext context)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        if (trailers is null || trailers.IsReadOnly)
        {
            return null;
        }

        return (name, value) =>
        {
            if (!IsHopByHop(name))
            {
                trailers.Append(name, value);
            }
        };
    }

    /// <summary>
    /// How long the next wait may take: <paramref name="limit"/> (the activity or connect timeout), cut to what is left
    /// of the rule's timeout when the route has one, so one cancellation per connection serves both and either firing
    /// answers 504 or aborts alike.
    /// </summary>
    private static TimeSpan Cut(TimeSpan limit, long deadline)
    {
        if (deadline == NoDeadline)
        {
            return limit;
        }

        var left = TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
        return limit == Timeout.InfiniteTimeSpan || left < limit ? left : limit;
    }

    /// <summary>The backend's header fields into Kestrel's response headers, as YARP's transformer copies them.</summary>
    private readonly struct ResponseSink(IHeaderDictionary headers) : IHeadSink
    {
        // YARP keeps a Strict-Transport-Security the proxy set before forwarding (dotnet/yarp#2269).
        private readonly bool _hadTransportSecurity = headers.ContainsKey("Strict-Transport-Security");

        public void Add(string name, string value)
        {
            if (IsHopByHop(name)
                || (_hadTransportSecurity && name.Equals("Strict-Transport-Security", StringComparison.OrdinalIgnoreCase)))
            {
                return;
            }

            // A repeated identical Content-Length (Http1Head refuses different ones) is passed on once.
            if (ReferenceEquals(name, "Content-Length") && headers.ContentLength is not null)
            {
                return;
            }

            headers.Append(name, value);
        }
    }
}
