namespace Portcullis.DataPlane.L4;

using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Listeners;
using Portcullis.Ir;

/// <summary>
/// The TLS, TCP and UDP side of the data plane: its tables, the stream proxy the connection dispatcher
/// consults, and the UDP sockets. <see cref="ProxyServer"/> drives it from ApplyAsync.
/// </summary>
internal sealed class L4Plane : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Dictionary<PortKey, UdpPort> _udpPorts = [];
    private L4Tables _tables = L4Tables.Empty;

    public L4Plane(ILogger logger, TimeSpan tcpIdleTimeout)
    {
        _logger = logger;
        Streams = new StreamProxy(() => Tables, logger) { IdleTimeout = tcpIdleTimeout };
    }

    /// <summary>How long a UDP session lives without a datagram either way.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public StreamProxy Streams { get; }

    public L4Tables Tables => Volatile.Read(ref _tables);

    public int UdpPortCount => _udpPorts.Count;

    /// <summary>Open UDP sessions on every port (read by tests; not synchronised with apply).</summary>
    public int UdpSessionCount => _udpPorts.Values.Sum(p => p.SessionCount);

    /// <summary>Publishes new tables: new connections and new UDP sessions use them; open ones keep their backend.</summary>
    public void Publish(L4Tables tables) => Volatile.Write(ref _tables, tables);

    /// <summary>
    /// Binds the UDP ports <paramref name="config"/> has and the plane lacks, and closes those it no
    /// longer has; the others are untouched. Call after <see cref="Publish"/>.
    /// </summary>
    public async Task<List<BindFailure>> ApplyUdpPortsAsync(GatewayConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var failures = new List<BindFailure>();
        var wanted = new Dictionary<PortKey, List<string>>();
        foreach (var listener in config.Listeners)
        {
            if (listener.Protocol == ListenerProtocol.Udp && PortKey.TryParse(listener.Address, listener.Port, out var key))
            {
                if (!wanted.TryGetValue(key, out var names))
                {
                    wanted[key] = names = [];
                }

                names.Add(listener.Name);
            }
        }

        foreach (var (key, names) in wanted)
        {
            if (_udpPorts.ContainsKey(key))
            {
                continue;
            }

            try
            {
                var port = UdpPort.Bind(key, () => Tables, UdpIdleTimeout, _logger);
                _udpPorts.Add(key, port);
                port.Start();
                L4Log.UdpPortBound(_logger, key.ToString());
            }
            catch (SocketException ex)
            {
                failures.Add(ProxyServer.BindFailureOf(key, names, ex, _logger));
            }
        }

        foreach (var key in _udpPorts.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
        {
            var removed = _udpPorts[key];
            _udpPorts.Remove(key);
            await removed.DisposeAsync().ConfigureAwait(false);
        }

        return failures;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var port in _udpPorts.Values)
        {
            await port.DisposeAsync().ConfigureAwait(false);
        }

        _udpPorts.Clear();
        await Streams.DisposeAsync().ConfigureAwait(false);
    }
}
