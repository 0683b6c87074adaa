namespace Portcullis.DataPlane.Listeners;

using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

/// <summary>
/// Notices clients that close their connection while Kestrel is not reading it (an HTTP/1.1 request waiting for its
/// backend) on connections we terminate (<see cref="TlsSocketConnection"/>), and aborts them, so the request's
/// backend call is cancelled as it is on Kestrel's own transport. Once a second it polls the connections busy for at
/// least that long: readable with no byte to read means the client's FIN (or a reset). Nothing is done per request.
/// It also aborts the connections past their <see cref="TlsSocketConnection.WaitDeadline"/> (our HTTP/1.1 server's
/// keep-alive, head and write timeouts).
/// </summary>
/// <remarks>
/// Not seen: a close that follows bytes the connection has not read (a TLS close_notify alert, a pipelined request),
/// and a close during a request body or after it was read; those are noticed when the response is written.
/// </remarks>
internal static class ClientCloseWatch
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static readonly ConcurrentDictionary<TlsSocketConnection, TlsSocketConnection.WatchedStream> Connections = new();
    private static readonly Timer Sweeper = new(static _ => Sweep(), null, Timeout.Infinite, Timeout.Infinite);
    private static int s_started;

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
    /// Readable with nothing to read, twice: a read that Kestrel starts between the two looks could consume arriving
    /// bytes after the first, but it cannot make the socket readable and empty again; only a FIN or a reset does.
    /// </summary>
    private static bool ClientClosed(Socket socket)
    {
        try
        {
            return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0
                && socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false; // Closed already: its disposal follows.
        }
    }
}
