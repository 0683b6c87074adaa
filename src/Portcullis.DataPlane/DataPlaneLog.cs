namespace Portcullis.DataPlane;

using Microsoft.Extensions.Logging;

/// <summary>Source-generated log messages with stable event ids.</summary>
internal static partial class DataPlaneLog
{
    [LoggerMessage(1000, LogLevel.Information, "Listening on {Endpoint} ({Protocol})")]
    public static partial void PortBound(ILogger logger, string endpoint, string protocol);

    [LoggerMessage(1001, LogLevel.Warning, "Cannot bind {Endpoint}: {Reason}")]
    public static partial void BindFailed(ILogger logger, string endpoint, string reason);

    [LoggerMessage(1002, LogLevel.Information, "Stopped accepting on {Endpoint}; draining {Connections} connection(s)")]
    public static partial void PortDraining(ILogger logger, string endpoint, int connections);

    [LoggerMessage(1003, LogLevel.Warning, "Closed {Connections} connection(s) on {Endpoint} still open after the drain timeout")]
    public static partial void DrainTimedOut(ILogger logger, string endpoint, int connections);

    [LoggerMessage(1004, LogLevel.Warning, "Accept failed on {Endpoint}")]
    public static partial void AcceptFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(1005, LogLevel.Information, "Applied config: {Listeners} listener(s) on {Ports} port(s), {Failures} bind failure(s)")]
    public static partial void ConfigApplied(ILogger logger, int listeners, int ports, int failures);

    [LoggerMessage(1006, LogLevel.Debug, "Compiled {Compiled} listener(s), reused {Reused} unchanged")]
    public static partial void ListenersCompiled(ILogger logger, int compiled, int reused);

    [LoggerMessage(1010, LogLevel.Warning, "Certificate {Certificate} of listener {Listener} skipped: {Reason}")]
    public static partial void CertificateSkipped(ILogger logger, string certificate, string listener, string reason);

    [LoggerMessage(1011, LogLevel.Warning, "Route {Route} skipped: {Reason}")]
    public static partial void RouteSkipped(ILogger logger, string route, string reason);

    [LoggerMessage(1012, LogLevel.Warning, "Listener {Listener} skipped: its protocol conflicts with the other listeners on {Endpoint}")]
    public static partial void ListenerProtocolConflict(ILogger logger, string listener, string endpoint);

    [LoggerMessage(1040, LogLevel.Warning, "Forwarding to {Destination} failed before a response; the client gets {Status}")]
    public static partial void ForwardFailed(ILogger logger, string destination, int status, Exception exception);

    [LoggerMessage(1041, LogLevel.Warning, "The response body from {Destination} failed; the client's response is aborted")]
    public static partial void ForwardBodyFailed(ILogger logger, string destination, Exception exception);

    [LoggerMessage(1042, LogLevel.Error, "Connection {ConnectionId}: the request failed with an unhandled exception")]
    public static partial void RequestFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(1020, LogLevel.Debug, "Connection dispatch failed on {Endpoint}")]
    public static partial void DispatchFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(1021, LogLevel.Debug, "TLS handshake failed on {Endpoint}")]
    public static partial void HandshakeFailed(ILogger logger, string endpoint, Exception exception);
}
