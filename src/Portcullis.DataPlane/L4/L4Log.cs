namespace Portcullis.DataPlane.L4;

using Microsoft.Extensions.Logging;

/// <summary>Log messages of the TLS, TCP and UDP proxying, with stable event ids (11xx).</summary>
internal static partial class L4Log
{
    [LoggerMessage(1100, LogLevel.Debug, "Connection on {Endpoint} closed: no route for server name \"{ServerName}\"")]
    public static partial void Refused(ILogger logger, string endpoint, string serverName);

    [LoggerMessage(1101, LogLevel.Debug, "Route {Route} picked no usable backend; connection closed")]
    public static partial void NoBackend(ILogger logger, string route);

    [LoggerMessage(1102, LogLevel.Warning, "Route {Route} could not connect to backend {Endpoint}")]
    public static partial void BackendUnreachable(ILogger logger, string route, string endpoint);

    [LoggerMessage(1103, LogLevel.Debug, "Spliced connection on {Endpoint} ended with an error")]
    public static partial void ConnectionFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(1104, LogLevel.Debug, "UDP on {Endpoint}: datagram failed")]
    public static partial void DatagramFailed(ILogger logger, string endpoint, Exception exception);

    [LoggerMessage(1105, LogLevel.Information, "Bound UDP port {Endpoint}")]
    public static partial void UdpPortBound(ILogger logger, string endpoint);

    [LoggerMessage(1106, LogLevel.Debug, "Spliced connection on {Endpoint} (route {Route}) closed after {Seconds} s without traffic")]
    public static partial void IdleClosed(ILogger logger, string endpoint, string route, double seconds);

    [LoggerMessage(1107, LogLevel.Warning, "UDP on {Endpoint}: {Sessions} sessions, the most one port keeps; datagram from {Client} dropped")]
    public static partial void SessionLimit(ILogger logger, string endpoint, int sessions, string client);
}
