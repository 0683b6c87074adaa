namespace Portcullis.DataPlane.Listeners;

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

/// <summary>
/// One listening socket and its accept loop. Stopping closes the socket (no new connections),
/// asks open connections to finish gracefully, and closes what is left after the drain timeout.
/// </summary>
internal sealed class PortListener
{
    private readonly Socket _socket;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ConnectionContext, byte> _connections = new();
    private Task _acceptLoop = Task.CompletedTask;
    private volatile bool _isTls;
    private volatile bool _stopping;

    private PortListener(PortKey key, Socket socket, bool isTls, ILogger logger)
    {
        Key = key;
        _socket = socket;
        _isTls = isTls;
        _logger = logger;
    }

    public PortKey Key { get; }

    /// <summary>Updated on apply: the port's listeners may change protocol while it stays bound.</summary>
    public bool IsTls
    {
        get => _isTls;
        set => _isTls = value;
    }

    public int ConnectionCount => _connections.Count;

    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static PortListener Bind(PortKey key, bool isTls, ILogger logger)
    {
        var socket = new Socket(key.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (key.Address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                // "::" and "0.0.0.0" are separate listeners in the IR; let both bind the same port.
                socket.DualMode = false;
            }

            EnableAddressReuse(socket);
            socket.Bind(new IPEndPoint(key.Address, key.Port));
            socket.Listen(512);
            return new PortListener(key, socket, isTls, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Start(ConnectionDispatcher dispatcher) => _acceptLoop = Task.Run(() => AcceptLoopAsync(dispatcher));

    /// <summary>Registers a connection for draining; false once the port is stopping.</summary>
    public bool Track(ConnectionContext connection)
    {
        if (_stopping)
        {
            return false;
        }

        _connections.TryAdd(connection, 0);
        connection.ConnectionClosed.Register(static state =>
        {
            var (self, conn) = ((PortListener, ConnectionContext))state!;
            self._connections.TryRemove(conn, out _);
        }, (this, connection));
        return true;
    }

    /// <summary>Stops accepting now; the returned task completes once every connection is gone.</summary>
    public async Task StopAsync(TimeSpan drainTimeout)
    {
        _stopping = true;
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);

        DataPlaneLog.PortDraining(_logger, Key.ToString(), _connections.Count);
        foreach (var connection in _connections.Keys)
        {
            // Kestrel answers this by finishing the current HTTP/1.1 request or sending HTTP/2 GOAWAY.
            connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        var deadline = DateTime.UtcNow + drainTimeout;
        while (!_connections.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50)).ConfigureAwait(false);
        }

        if (!_connections.IsEmpty)
        {
            DataPlaneLog.DrainTimedOut(_logger, Key.ToString(), _connections.Count);
            foreach (var connection in _connections.Keys)
            {
                connection.Abort(new ConnectionAbortedException("The port was removed and the drain timeout elapsed."));
            }
        }
    }

    private async Task AcceptLoopAsync(ConnectionDispatcher dispatcher)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex) when (_stopping || ex.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. the peer reset before we accepted, or out of file descriptors: keep serving.
                DataPlaneLog.AcceptFailed(_logger, Key.ToString(), ex);
                continue;
            }

            accepted.NoDelay = true;
            _ = dispatcher.DispatchAsync(accepted, this);
        }
    }

    private static void EnableAddressReuse(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            // Raw SO_REUSEADDR (SOL_SOCKET=1, SO_REUSEADDR=2): .NET's ReuseAddress option also sets
            // SO_REUSEPORT on Unix, which would let two processes share the port silently.
            socket.SetRawSocketOption(1, 2, BitConverter.GetBytes(1));
        }
        else if (!OperatingSystem.IsWindows())
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        }
    }
}
