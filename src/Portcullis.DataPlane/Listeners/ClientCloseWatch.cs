namespace Portcullis.DataPlane.Listeners;

using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

/// <summary>
/// Notices clients that close their connection while Kestrel is not reading it (an HTTP/1.1 request waiting for its
/// backend) on connections we terminate (<see cref="TlsSocketConnection"/>), and aborts them, so the request's
/// backend call is cancelled as it is on Kestrel's own transport. Once a second it looks at the connections busy for at
/// least that long: on Linux the socket's TCP state says whether the client has sent its FIN (or a reset), whatever
/// bytes are left unread before it (the TLS close_notify alert curl sends when it gives up, a pipelined request), as
/// nginx's EPOLLRDHUP check does; elsewhere, readable with no byte to read. Nothing is done per request. It also
/// aborts the connections past their <see cref="TlsSocketConnection.WaitDeadline"/> (our HTTP/1.1 server's keep-alive,
/// head and write timeouts).
/// </summary>
/// <remarks>
/// Requests with a body that Kestrel's HTTP/1.1 serves over our pipes are watched the same way once the body is read.
/// A client that only half-closes (its FIN, still reading) is taken as gone too, as nginx takes it (499). Not seen on
/// other platforms, or where TCP_INFO is refused: a close that follows unread bytes; it is noticed when the response
/// is written.
/// </remarks>
internal static class ClientCloseWatch
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static readonly ConcurrentDictionary<TlsSocketConnection, TlsSocketConnection.WatchedStream> Connections = new();
    private static readonly Timer Sweeper = new(static _ => Sweep(), null, Timeout.Infinite, Timeout.Infinite);
    private static int s_started;

    // <netinet/tcp.h> and the kernel's TCP states (include/net/tcp_states.h).
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const byte TcpClose = 7;
    private const byte TcpCloseWait = 8;

    public static void Add(TlsSocketConnection connection, TlsSocketConnection.WatchedStream stream)
    {
        Connections[connection] = stream;
        if (Interlocked.Exchange(ref s_started, 1) == 0)
        {
            Sweeper.Change(Interval, Interval);
        }
    }

    public static void Remove(TlsSocketConnection connection) => Connections.TryRemove(connection, out _);

    internal static void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (connection, stream) in Connections)
        {
            var deadline = connection.WaitDeadline;
            if (deadline != 0 && now > deadline)
            {
                connection.Abort(new ConnectionAbortedException("The client sent no request, not all of its head, or read no response, in time."));
                continue;
            }

            var busySince = stream.BusySince;
            if (busySince != 0 && now - busySince >= (long)Interval.TotalMilliseconds && ClientClosed(stream.Socket))
            {
                connection.Abort(new ConnectionAbortedException("The client closed the connection."));
            }
        }
    }

    /// <summary>
    /// Linux: TCP_INFO's state, CLOSE_WAIT once the client's FIN has come, CLOSE after a reset (one system call).
    /// Elsewhere, or where getsockopt refuses TCP_INFO (a sandboxed kernel): readable with nothing to read, twice: a
    /// read that Kestrel starts between the two looks could consume arriving bytes after the first, but it cannot make
    /// the socket readable and empty again; only a FIN or a reset does.
    /// </summary>
    internal static bool ClientClosed(Socket socket)
    {
        try
        {
            if (OperatingSystem.IsLinux() && TcpState(socket) is { } state)
            {
                return state is TcpClose or TcpCloseWait;
            }

            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0
                && socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false; // Closed already: its disposal follows.
        }
    }

    /// <summary>tcpi_state, or null where the socket has no TCP_INFO (then the poll answers).</summary>
    private static byte? TcpState(Socket socket)
    {
        Span<byte> info = stackalloc byte[8]; // struct tcp_info starts with tcpi_state; the kernel copies what fits
        try
        {
            return socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) > 0 ? info[0] : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
