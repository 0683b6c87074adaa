namespace Portcullis.DataPlane.L4;

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Listeners;

/// <summary>
/// One UDP listener socket. Each client address gets a session with its own upstream socket,
/// connected to a backend picked by weight when the session starts; the backend's replies go back
/// to the client from the listener's address. A session idle for the timeout (no datagram either
/// way) is closed, so the next datagram from that client starts a new one; so is a session whose backend endpoint
/// a new config no longer has. At most <see cref="MaxSessions"/> sessions per port.
/// </summary>
internal sealed class UdpPort : IAsyncDisposable
{
    private const int MaxDatagram = 65535;

    /// <summary>
    /// Sessions one port keeps at most: each holds a socket and a receive loop, so a flood of spoofed source
    /// addresses must not exhaust descriptors; past it, datagrams of new clients are dropped until sessions expire.
    /// </summary>
    public const int MaxSessions = 16 * 1024;

    private readonly Socket _socket;
    private readonly Func<L4Tables> _tables;
    private readonly ILogger _logger;
    private readonly TimeSpan _idleTimeout;
    private readonly ConcurrentDictionary<IPEndPoint, UdpSession> _sessions = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiveLoop = Task.CompletedTask;
    private Task _sweepLoop = Task.CompletedTask;
    private int _limitLogged;

    private UdpPort(PortKey key, Socket socket, Func<L4Tables> tables, TimeSpan idleTimeout, ILogger logger)
    {
        Key = key;
        _socket = socket;
        _tables = tables;
        _idleTimeout = idleTimeout;
        _logger = logger;
    }

    public PortKey Key { get; }

    public int SessionCount => _sessions.Count;

    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static UdpPort Bind(PortKey key, Func<L4Tables> tables, TimeSpan idleTimeout, ILogger logger)
    {
        var socket = new Socket(key.Address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (key.Address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            socket.Bind(new IPEndPoint(key.Address, key.Port));
            return new UdpPort(key, socket, tables, idleTimeout, logger);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Start()
    {
        _receiveLoop = Task.Run(ReceiveLoopAsync);
        _sweepLoop = Task.Run(SweepLoopAsync);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        await Task.WhenAll(_receiveLoop, _sweepLoop).ConfigureAwait(false);
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _sessions.Clear();
        _stop.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[MaxDatagram];
        EndPoint any = new IPEndPoint(Key.Address.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException ex)
            {
                // E.g. ICMP port unreachable reported for an earlier reply: keep serving the others.
                L4Log.DatagramFailed(_logger, Key.ToString(), ex);
                continue;
            }

            var client = (IPEndPoint)received.RemoteEndPoint;
            var session = await CurrentSessionAsync(client).ConfigureAwait(false) ?? StartSession(client);
            if (session is not null)
            {
                await session.SendUpstreamAsync(buffer.AsMemory(0, received.ReceivedBytes)).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The client's session, unless the config changed and its backend endpoint is no longer one the route can pick:
    /// then it is closed so this datagram starts a session with a live backend instead of feeding a removed one.
    /// </summary>
    private async ValueTask<UdpSession?> CurrentSessionAsync(IPEndPoint client)
    {
        if (!_sessions.TryGetValue(client, out var session))
        {
            return null;
        }

        var route = _tables().Datagrams.GetValueOrDefault(Key);
        if (ReferenceEquals(route, session.Route) || route?.Contains(session.Endpoint) == true)
        {
            return session;
        }

        if (_sessions.TryRemove(new KeyValuePair<IPEndPoint, UdpSession>(client, session)))
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        return null;
    }

    private UdpSession? StartSession(IPEndPoint client)
    {
        if (_sessions.Count >= MaxSessions)
        {
            if (Interlocked.Exchange(ref _limitLogged, 1) == 0)
            {
                L4Log.SessionLimit(_logger, Key.ToString(), _sessions.Count, client.ToString());
            }

            return null;
        }

        var route = _tables().Datagrams.GetValueOrDefault(Key);
        var endpoint = route?.Pick();
        if (endpoint is null || !IPAddress.TryParse(endpoint.Address, out var address))
        {
            L4Log.Refused(_logger, Key.ToString(), client.ToString());
            return null;
        }

        // Creating the socket can fail too (out of descriptors, an address family the host lacks): that costs
        // this datagram, never the port's receive loop.
        Socket? upstream = null;
        try
        {
            upstream = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            upstream.Connect(new IPEndPoint(address, endpoint.Port));
        }
        catch (SocketException ex)
        {
            upstream?.Dispose();
            L4Log.DatagramFailed(_logger, Key.ToString(), ex);
            return null;
        }

        var session = new UdpSession(client, upstream, route!, endpoint);
        _sessions[client] = session;
        session.ReplyLoop = Task.Run(() => ReplyLoopAsync(session));
        return session;
    }

    private async Task ReplyLoopAsync(UdpSession session)
    {
        var buffer = new byte[MaxDatagram];
        while (true)
        {
            int read;
            try
            {
                read = await session.Upstream.ReceiveAsync(buffer, SocketFlags.None, session.Closing).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // The backend is not listening (ICMP unreachable); the client may retry, so keep the session.
                continue;
            }

            session.Touch();
            try
            {
                await _socket.SendToAsync(buffer.AsMemory(0, read), SocketFlags.None, session.Client).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    private async Task SweepLoopAsync()
    {
        var period = _idleTimeout / 4 < TimeSpan.FromSeconds(1) ? _idleTimeout / 4 : TimeSpan.FromSeconds(1);
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                foreach (var (client, session) in _sessions)
                {
                    if (session.IdleFor > _idleTimeout && _sessions.TryRemove(client, out _))
                    {
                        await session.DisposeAsync().ConfigureAwait(false);
                    }
                }

                Volatile.Write(ref _limitLogged, 0); // at most one limit warning per sweep period
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>One client's flow through this port.</summary>
    private sealed class UdpSession(IPEndPoint client, Socket upstream, WeightedEndpoints route, Ir.Endpoint endpoint) : IAsyncDisposable
    {
        private readonly CancellationTokenSource _closing = new();
        private long _lastActivity = Environment.TickCount64;

        public IPEndPoint Client { get; } = client;

        public Socket Upstream { get; } = upstream;

        /// <summary>The route table the backend was picked from; while it is still the current one, nothing to re-check.</summary>
        public WeightedEndpoints Route { get; } = route;

        public Ir.Endpoint Endpoint { get; } = endpoint;

        public CancellationToken Closing => _closing.Token;

        public Task ReplyLoop { get; set; } = Task.CompletedTask;

        public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref _lastActivity));

        public void Touch() => Interlocked.Exchange(ref _lastActivity, Environment.TickCount64);

        public async ValueTask SendUpstreamAsync(ReadOnlyMemory<byte> datagram)
        {
            Touch();
            try
            {
                await Upstream.SendAsync(datagram, SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Datagrams may be lost; the client's own retries cover it.
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _closing.CancelAsync().ConfigureAwait(false);
            Upstream.Dispose();
            await ReplyLoop.ConfigureAwait(false);
            _closing.Dispose();
        }
    }
}
