namespace Portcullis.DataPlane.Forwarding;

using System.Diagnostics;
using System.Net;
using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.DataPlane.Forwarding.Reencrypt;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;
using Yarp.ReverseProxy.Forwarder;

/// <summary>
/// The one request delegate: listener by port (and SNI or Host), virtual host, first matching
/// route, then a direct response, CORS preflight, redirect, or a forward to a backend endpoint
/// (with mirrors and the rule's timeout).
/// </summary>
internal sealed class RequestHandler : IDisposable
{
    private readonly Func<RoutingTables> _tables;
    private readonly IHttpForwarder _forwarder;

    // One connection pool to the plain backends, shared by forwarded requests and mirrored copies.
    private readonly HttpMessageInvoker _invoker;

    // Requests without a body to plain HTTP/1.1 backends, without YARP (null: all go to YARP).
    private readonly Http1.Http1Forwarder? _direct;

    // Backends under a BackendTLSPolicy: one pool per distinct TLS setting.
    private readonly BackendTlsInvokers _tlsInvokers;

    private readonly MirrorSender _mirrors;

    /// <param name="directHttp1">Whether requests the direct forwarder can serve skip YARP (see <see cref="Http1.Http1Forwarder"/>).</param>
    public RequestHandler(Func<RoutingTables> tables, IHttpForwarder forwarder, ILogger? logger = null, bool directHttp1 = true)
    {
        _tables = tables;
        _forwarder = forwarder;
        var plain = BackendHandler.CreatePlain();
        _invoker = new HttpMessageInvoker(plain);
        _direct = directHttp1 && plain is Http1.Http1Handler own
            ? new Http1.Http1Forwarder(own, logger ?? NullLogger.Instance, Http1.Http1Forwarder.DefaultActivityTimeout)
            : null;
        _tlsInvokers = new BackendTlsInvokers(logger ?? NullLogger.Instance);
        _mirrors = new MirrorSender(InvokerFor);
    }

    /// <remarks>
    /// Not an async method: a keep-alive request that is forwarded returns YARP's own task, so the proxy adds no state
    /// machine (a heap box once the backend call goes asynchronous) and no continuation of its own per request. The
    /// steps that may wait (a direct response's body, mirrors buffering the body, a rule timeout) have async helpers.
    /// </remarks>
    public Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Read once: the whole request uses the tables that were current when it arrived.
        var route = FindRoute(_tables(), context);
        if (route is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var action = route.Action;
        if (action.DirectResponse is { } direct)
        {
            context.Response.StatusCode = ForClient(context, direct.StatusCode);
            return direct.Body is null ? Task.CompletedTask : context.Response.WriteAsync(direct.Body, context.RequestAborted);
        }

        if (FilterResponses.TryAnswer(context, action))
        {
            return Task.CompletedTask; // CORS preflight or redirect
        }

        var sticky = action.Sessions?.Find(context.Request);
        var backend = sticky?.Backend ?? action.PickBackend();
        if (backend is null || backend.Invalid)
        {
            context.Response.StatusCode = ForClient(context, StatusCodes.Status500InternalServerError);
            return Task.CompletedTask;
        }

        if (!backend.HasEndpoints)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        }

        var destination = sticky?.Destination ?? backend.NextDestination();
        action.Sessions?.Issue(context, backend, destination, sticky);
        var mirrored = _mirrors.MirrorAsync(context, action, backend);
        return mirrored.IsCompletedSuccessfully
            ? ForwardAsync(context, action, backend, destination)
            : MirrorThenForwardAsync(mirrored, context, action, backend, destination);
    }

    private async Task MirrorThenForwardAsync(ValueTask mirrored, HttpContext context, CompiledAction action, CompiledBackend backend, string destination)
    {
        await mirrored.ConfigureAwait(false);
        await ForwardAsync(context, action, backend, destination).ConfigureAwait(false);
    }

    /// <summary>
    /// Errors are answered by YARP or the direct forwarder alike: 502 for a failed backend (a refused backend certificate
    /// too), 504 when it timed out.
    /// </summary>
    private Task ForwardAsync(HttpContext context, CompiledAction action, CompiledBackend backend, string destination)
    {
        if (_direct is not null && Http1.Http1Forwarder.CanForward(context, backend))
        {
            return _direct.ForwardAsync(context, backend.Transformer, destination, action.Timeout);
        }

        var invoker = InvokerFor(backend);
        if (action.Timeout is { } timeout)
        {
            return FilterResponses.ForwardWithTimeoutAsync(_forwarder, context, backend, destination, invoker, timeout);
        }

        // YARP's SendAsync is an async ValueTask method: once it has gone asynchronous, AsTask returns its own task
        // without allocating; the result (the error kind) is already reflected in the response.
        return _forwarder.SendAsync(context, destination, invoker, backend.RequestConfig, backend.Transformer).AsTask();
    }

    private HttpMessageInvoker InvokerFor(CompiledBackend backend) => backend.Tls is null ? _invoker : backend.InvokerFrom(_tlsInvokers);

    /// <summary>
    /// GRPCRoute wants UNAVAILABLE where HTTPRoute wants 500 (invalid backends), and gRPC clients map HTTP
    /// 503 to UNAVAILABLE but 500 to UNKNOWN: a gRPC call gets 503 for the proxy's own 500s.
    /// </summary>
    private static int ForClient(HttpContext context, int status) =>
        status == StatusCodes.Status500InternalServerError
            && context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true
            ? StatusCodes.Status503ServiceUnavailable
            : status;

    internal static CompiledRoute? FindRoute(RoutingTables tables, HttpContext context)
    {
        var feature = context.Features.Get<GatewayConnectionFeature>();
        if (feature is null || !tables.Ports.TryGetValue(feature.Port, out var port))
        {
            return null;
        }

        var host = HostWithoutPort(context.Request.Host.Value);
        var listener = ListenerSelector.ForRequest(port, feature, host, out var misdirected);
        if (misdirected)
        {
            return ListenerSelector.MisdirectedRoute;
        }

        var virtualHost = listener?.Hosts.Match(host);
        Debug.Assert(listener is null || listener.Protocol == (port.IsTls ? Ir.ListenerProtocol.Https : Ir.ListenerProtocol.Http));
        return virtualHost?.Match(context.Request);
    }

    /// <summary>
    /// The host part of a Host value exactly as <see cref="HostString.Host"/> splits it ("[::1]" of "[::1]:80", and an
    /// IPv6 address without brackets gets them), but as a slice where it can: HostString.Host allocates that substring
    /// for every request whose Host names a port.
    /// </summary>
    internal static ReadOnlySpan<char> HostWithoutPort(string? value)
    {
        var span = value.AsSpan();
        var close = span.IndexOf(']');
        if (close >= 0)
        {
            return span[..(close + 1)];
        }

        var colon = span.IndexOf(':');
        if (colon < 0)
        {
            return span;
        }

        return colon < span.Length - 1 && span[(colon + 1)..].Contains(':') ? $"[{value}]" : span[..colon];
    }

    public void Dispose()
    {
        _invoker.Dispose();
        _tlsInvokers.Dispose();
    }
}
