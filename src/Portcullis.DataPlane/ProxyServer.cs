namespace Portcullis.DataPlane;

using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Forwarding;
using Portcullis.DataPlane.L4;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;
using Yarp.ReverseProxy.Forwarder;

public sealed record ProxyServerOptions
{
    /// <summary>How long a removed port's open connections may finish before they are closed.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether requests without a body (and not upgrades) to plain HTTP/1.1 backends are forwarded without YARP's request
    /// and response messages, with the route's filters and timeout applied as YARP's path applies them (the default;
    /// <c>PORTCULLIS_H1_FORWARDER=yarp</c> turns it off).
    /// </summary>
    public bool DirectHttp1 { get; init; } = Environment.GetEnvironmentVariable("PORTCULLIS_H1_FORWARDER") != "yarp";

    /// <summary>How long a UDP session lives without a datagram either way.</summary>
    public TimeSpan UdpIdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a spliced TCP/TLS connection may pass no byte either way before it is closed (Envoy's default: 1 h).</summary>
    public TimeSpan TcpIdleTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Runs Kestrel's connection and request code on the socket's I/O thread instead of queueing each step to the
    /// thread pool (Kestrel's UnsafePreferInlineScheduling). A proxy request never blocks (it awaits the backend), so
    /// the queueing only cost thread hops and, measured with bench/cpu.sh, about half of the bytes allocated per
    /// keep-alive request (7.0 KB to 3.7 KB). Off, a slow synchronous step (a first handshake building its
    /// certificate context) delays only itself instead of the other connections on its I/O thread.
    /// </summary>
    public bool InlineScheduling { get; init; } = true;

    /// <summary>
    /// Whether HTTPS connections are terminated by our own <see cref="System.Net.Security.SslStream"/> on the socket and
    /// handed to Kestrel's HTTP/1.1 or HTTP/2 code by ALPN (the default), rather than by Kestrel's socket transport and
    /// HTTPS middleware (<c>PORTCULLIS_TLS=kestrel</c>), whose extra layers cost ~2 µs of CPU per keep-alive request and
    /// ~30 µs per new connection (bench/README.md, "Session 13").
    /// </summary>
    public bool OwnTls { get; init; } = Environment.GetEnvironmentVariable("PORTCULLIS_TLS") != "kestrel";

    /// <summary>
    /// Whether HTTP/1.1 requests without a body on connections we terminate (<see cref="OwnTls"/>) are served by our own
    /// HTTP/1.1 loop rather than Kestrel's (the default; <c>PORTCULLIS_H1_SERVER=kestrel</c> turns it off). Kestrel takes
    /// a connection at its first request with a body, an upgrade or anything unusual (bench/README.md, "Session 14").
    /// </summary>
    public bool OwnHttp1 { get; init; } = Environment.GetEnvironmentVariable("PORTCULLIS_H1_SERVER") != "kestrel";

    /// <summary>HTTP/1.1 keep-alive, request-head and (our server's) response-write timeouts; Kestrel's defaults.</summary>
    public Http1Timeouts Http1Timeouts { get; init; } = Http1Timeouts.Default;
}

/// <summary>
/// How long our HTTP/1.1 server (<see cref="Listeners.Http1ServerConnection"/>) waits for a client, enforced by
/// <see cref="Listeners.ClientCloseWatch"/> (to the second): <paramref name="KeepAlive"/> for the next request and <paramref name="Head"/> for the rest of a head started
/// (Kestrel's KeepAliveTimeout and RequestHeadersTimeout, which Kestrel is given too for the connections it serves), and
/// <paramref name="Write"/> for one response write to drain. Kestrel's rule for that is a data rate (240 B/s after 5 s);
/// this is simpler and as lenient for a client that reads at all: a write is a few KiB on top of the socket's buffer.
/// </summary>
public sealed record Http1Timeouts(TimeSpan KeepAlive, TimeSpan Head, TimeSpan Write)
{
    public static Http1Timeouts Default { get; } = new(TimeSpan.FromSeconds(130), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
}

/// <summary>Why a bind failed, in terms the status needs: the port, or the address itself.</summary>
public enum BindFailureKind
{
    /// <summary>The port is taken or not allowed (in use, permission denied): the spec's PortUnavailable.</summary>
    PortUnavailable,

    /// <summary>The address is not one of this machine's: the spec's AddressNotUsable.</summary>
    AddressNotUsable,
}

/// <summary>A port that could not be bound; its listeners are not serving.</summary>
public sealed record BindFailure(string Address, int Port, IReadOnlyList<string> Listeners, string Reason)
{
    public BindFailureKind Kind { get; init; } = BindFailureKind.PortUnavailable;
}

public sealed record ApplyResult(IReadOnlyList<BindFailure> Failures)
{
    public static ApplyResult Success { get; } = new([]);
}

/// <summary>
/// The data plane: owns the listening sockets, terminates TLS, routes and forwards.
/// Apply swaps in a new config without restarting listeners or failing requests in flight.
/// </summary>
/// <remarks>
/// One Kestrel serves three virtual endpoints (HTTPS, HTTP/1.1, h2c) fed by our own accept loops,
/// so ports are added and removed without Kestrel knowing. Each apply compiles new immutable
/// <see cref="RoutingTables"/> and publishes them with one volatile write; handshakes and requests
/// read the reference once.
/// </remarks>
public sealed class ProxyServer : IAsyncDisposable
{
    private readonly ProxyServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private readonly CertificateStore _certificates = new();
    private readonly CompiledListenerCache _listeners = new();
    private readonly Dictionary<PortKey, PortListener> _ports = [];
    private readonly List<Task> _draining = [];
    private readonly ConnectionDispatcher _dispatcher;
    private readonly L4Plane _l4;
    private readonly TlsHandshakeSelector _tls;
    private RoutingTables _tables = RoutingTables.Empty;
    private WebApplication? _app;
    private RequestHandler? _handler;
    private bool _disposed;

    public ProxyServer(ProxyServerOptions options, ILoggerFactory loggerFactory)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        _logger = loggerFactory.CreateLogger<ProxyServer>();
        _l4 = new L4Plane(loggerFactory.CreateLogger<L4Plane>(), options.TcpIdleTimeout) { UdpIdleTimeout = options.UdpIdleTimeout };
        _tls = new TlsHandshakeSelector(() => Tables);
        _dispatcher = new ConnectionDispatcher(
            new VirtualEndPoint(VirtualEndPointKind.Https),
            new VirtualEndPoint(VirtualEndPointKind.Http1),
            new VirtualEndPoint(VirtualEndPointKind.H2c),
            loggerFactory,
            options.InlineScheduling)
        {
            Streams = _l4.Streams,
            Tls = options.OwnTls ? _tls : null,
            Http1Timeouts = options.Http1Timeouts,
        };
    }

    internal RoutingTables Tables => Volatile.Read(ref _tables);

    internal L4Plane L4 => _l4;

    internal ConnectionDispatcher Dispatcher => _dispatcher;

    /// <summary>Starts Kestrel on the virtual endpoints. Ports open with <see cref="ApplyAsync"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_app is not null)
        {
            throw new InvalidOperationException("The proxy server is already started.");
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton<ILoggerFactory>(new HostingLoggerFactory(_loggerFactory));
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton<IConnectionListenerFactory, ChannelConnectionListenerFactory>();

        // The embedding process owns shutdown: the default console lifetime would swallow SIGTERM.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddHttpForwarder();
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.KeepAliveTimeout = _options.Http1Timeouts.KeepAlive;
            kestrel.Limits.RequestHeadersTimeout = _options.Http1Timeouts.Head;
            if (_options.OwnTls)
            {
                // The TLS features on these connections make Kestrel treat them as HTTPS (scheme, HTTP/2's TLS checks).
                kestrel.Listen(_dispatcher.TlsHttp1, listen => listen.Protocols = HttpProtocols.Http1);
                kestrel.Listen(_dispatcher.TlsHttp2, listen => listen.Protocols = HttpProtocols.Http2);
            }
            else
            {
                kestrel.Listen(_dispatcher.Https, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    listen.UseHttps(new TlsHandshakeCallbackOptions
                    {
                        OnConnection = _tls.OnConnection,
                        HandshakeTimeout = ConnectionDispatcher.HandshakeTimeout,
                    });
                });
            }

            kestrel.Listen(_dispatcher.Http1, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(_dispatcher.H2c, listen => listen.Protocols = HttpProtocols.Http2);
        });

        var app = builder.Build();
        var handler = new RequestHandler(() => Tables, app.Services.GetRequiredService<IHttpForwarder>(), _loggerFactory.CreateLogger<RequestHandler>(), _options.DirectHttp1);
        var application = GrpcLocalReplies.Wrap(handler.HandleAsync);
        app.Run(application);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_options.OwnTls && _options.OwnHttp1)
        {
            _dispatcher.Http1Application = application;
        }

        _app = app;
        _handler = handler;
    }

    /// <summary>
    /// Makes <paramref name="config"/> the served config: binds new ports, swaps the tables, and
    /// stops accepting on removed ports (their connections drain in the background). Ports that
    /// cannot be bound are reported and retried on the next apply; the others serve regardless.
    /// </summary>
    public async Task<ApplyResult> ApplyAsync(GatewayConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _applyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _certificates.BeginApply();
            _listeners.BeginApply(config);
            var tables = RoutingTableBuilder.Build(config, _certificates, _logger, _listeners);
            var l4Tables = L4TableBuilder.Build(config, _certificates, _logger);
            _listeners.EndApply();
            _certificates.EndApply();

            var failures = new List<BindFailure>();
            var wanted = GroupByPort(config, failures);
            var added = new List<PortListener>();
            foreach (var (key, listeners) in wanted)
            {
                if (_ports.ContainsKey(key))
                {
                    continue;
                }

                var isTls = tables.Ports.TryGetValue(key, out var portTable) && portTable.IsTls;
                try
                {
                    added.Add(PortListener.Bind(key, isTls, _logger));
                }
                catch (SocketException ex)
                {
                    failures.Add(BindFailureOf(key, [.. listeners.Select(l => l.Name)], ex, _logger));
                }
            }

            // Publish before accepting on new ports, so their first connection finds its tables.
            Volatile.Write(ref _tables, tables);
            _l4.Publish(l4Tables);
            failures.AddRange(await _l4.ApplyUdpPortsAsync(config).ConfigureAwait(false));

            foreach (var listener in added)
            {
                _ports.Add(listener.Key, listener);
                listener.Start(_dispatcher);
                DataPlaneLog.PortBound(_logger, listener.Key.ToString(), listener.IsTls ? "https" : "http");
            }

            foreach (var key in _ports.Keys.Where(k => !wanted.ContainsKey(k)).ToList())
            {
                var removed = _ports[key];
                _ports.Remove(key);
                _draining.RemoveAll(t => t.IsCompleted);
                _draining.Add(removed.StopAsync(_options.DrainTimeout));
            }

            foreach (var (key, listener) in _ports)
            {
                listener.IsTls = tables.Ports.TryGetValue(key, out var portTable) && portTable.IsTls;
            }

            DataPlaneLog.ConfigApplied(_logger, config.Listeners.Count, _ports.Count, failures.Count);
            DataPlaneLog.ListenersCompiled(_logger, _listeners.Compiled, _listeners.Reused);
            return failures.Count == 0 ? ApplyResult.Success : new ApplyResult(failures);
        }
        finally
        {
            _applyLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        await _applyLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _disposed = true;
            foreach (var listener in _ports.Values)
            {
                _draining.Add(listener.StopAsync(TimeSpan.Zero));
            }

            _ports.Clear();
            await _l4.DisposeAsync().ConfigureAwait(false);
            if (_app is not null)
            {
                using var shutdown = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _app.StopAsync(shutdown.Token).ConfigureAwait(false);
                await _app.DisposeAsync().ConfigureAwait(false);
            }

            await Task.WhenAll(_draining).ConfigureAwait(false);
            _dispatcher.Https.Complete();
            _dispatcher.TlsHttp1.Complete();
            _dispatcher.TlsHttp2.Complete();
            _dispatcher.Http1.Complete();
            _dispatcher.H2c.Complete();
            _dispatcher.Dispose();
            _handler?.Dispose();
            _certificates.ReleasePins();
        }
        finally
        {
            _applyLock.Release();
        }
    }

    private static Dictionary<PortKey, List<ListenerConfig>> GroupByPort(GatewayConfig config, List<BindFailure> failures)
    {
        var wanted = new Dictionary<PortKey, List<ListenerConfig>>();
        foreach (var listener in config.Listeners)
        {
            if (listener.Protocol == ListenerProtocol.Udp)
            {
                continue; // UDP sockets belong to the L4 plane.
            }

            if (!PortKey.TryParse(listener.Address, listener.Port, out var key))
            {
                failures.Add(new BindFailure(listener.Address, listener.Port, [listener.Name], "invalid address or port")
                {
                    Kind = BindFailureKind.AddressNotUsable,
                });
                continue;
            }

            if (!wanted.TryGetValue(key, out var list))
            {
                wanted[key] = list = [];
            }

            list.Add(listener);
        }

        return wanted;
    }

    /// <summary>A port that could not be bound, in the terms the status needs; logged.</summary>
    internal static BindFailure BindFailureOf(PortKey key, IReadOnlyList<string> listeners, SocketException exception, ILogger logger)
    {
        var reason = DescribeBindError(exception);
        DataPlaneLog.BindFailed(logger, key.ToString(), reason);
        return new BindFailure(key.Address.ToString(), key.Port, listeners, reason)
        {
            Kind = exception.SocketErrorCode == SocketError.AddressNotAvailable ? BindFailureKind.AddressNotUsable : BindFailureKind.PortUnavailable,
        };
    }

    private static string DescribeBindError(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AccessDenied => "permission denied",
        SocketError.AddressNotAvailable => "address not available",
        _ => exception.Message,
    };
}

/// <summary>A host lifetime that neither waits for nor handles console signals.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
