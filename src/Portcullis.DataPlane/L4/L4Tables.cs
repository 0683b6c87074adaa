namespace Portcullis.DataPlane.L4;

using System.Collections.Frozen;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>
/// The TLS, TCP and UDP routing of one GatewayConfig, compiled; never mutated, swapped whole on apply
/// like <see cref="RoutingTables"/>. Stream ports are TCP ports with TLS or TCP listeners.
/// </summary>
internal sealed class L4Tables(FrozenDictionary<PortKey, StreamPortTable> streams, FrozenDictionary<PortKey, WeightedEndpoints?> datagrams)
{
    public static L4Tables Empty { get; } = new(FrozenDictionary<PortKey, StreamPortTable>.Empty, FrozenDictionary<PortKey, WeightedEndpoints?>.Empty);

    public FrozenDictionary<PortKey, StreamPortTable> Streams { get; } = streams;

    /// <summary>UDP ports and the route of each (null: no route attached, datagrams are dropped).</summary>
    public FrozenDictionary<PortKey, WeightedEndpoints?> Datagrams { get; } = datagrams;
}

/// <summary>What to do with a new connection on a stream port.</summary>
internal enum StreamAction
{
    Close,

    /// <summary>Leave the connection to Kestrel: an HTTPS listener serves it.</summary>
    Https,
    Passthrough,
    Terminate,
    Tcp,
}

internal readonly record struct StreamDecision(StreamAction Action, WeightedEndpoints? Route = null, CertificateSelector? Certificates = null);

/// <summary>One stream port: a TCP listener's route, or TLS listeners (and HTTPS ones) chosen by SNI.</summary>
internal sealed class StreamPortTable(WeightedEndpoints? tcp, bool isTcp, HostTable<TlsListenerEntry> tlsListeners, bool hasHttps)
{
    /// <summary>A TCP listener owns the port: no ClientHello to read.</summary>
    public bool IsTcp { get; } = isTcp;

    /// <summary>The decision for a TCP port.</summary>
    public StreamDecision ForTcp() => tcp is null ? new(StreamAction.Close) : new(StreamAction.Tcp, tcp);

    /// <summary>
    /// The listener by SNI (exact, wildcard, then without hostname), then its route by SNI. Whatever
    /// TLS does not take goes to the HTTPS listeners when the port has some, else is closed.
    /// </summary>
    public StreamDecision ForServerName(string? serverName)
    {
        var fallback = new StreamDecision(hasHttps ? StreamAction.Https : StreamAction.Close);
        var name = serverName.AsSpan();
        var listener = tlsListeners.Match(name);
        if (listener is null)
        {
            return fallback;
        }

        if (listener.Mode is not { } mode)
        {
            return new(StreamAction.Https);
        }

        var route = listener.Routes.Match(name);
        return route is null ? fallback
            : mode == TlsMode.Passthrough ? new(StreamAction.Passthrough, route)
            : new(StreamAction.Terminate, route, listener.Certificates);
    }
}

/// <summary>A TLS listener (Mode set) or an HTTPS one (Mode null, served by Kestrel) on a stream port.</summary>
internal sealed record TlsListenerEntry(string Name, TlsMode? Mode, HostTable<WeightedEndpoints> Routes, CertificateSelector? Certificates);
