namespace Portcullis.DataPlane.Routing;

using System.Collections.Frozen;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>
/// Everything a connection or request needs, compiled from one GatewayConfig. Never mutated:
/// an apply builds new tables and publishes them with one reference swap.
/// </summary>
internal sealed class RoutingTables(FrozenDictionary<PortKey, PortTable> ports)
{
    public static RoutingTables Empty { get; } = new(FrozenDictionary<PortKey, PortTable>.Empty);

    public FrozenDictionary<PortKey, PortTable> Ports { get; } = ports;
}

/// <summary>The listeners sharing one address and port.</summary>
internal sealed class PortTable(
    PortKey key,
    bool isTls,
    HostTable<CompiledListener> listenersByHost,
    CompiledListener? firstListener,
    IReadOnlyList<CompiledListener> listeners)
{
    private Dictionary<string, CompiledListener>? _byName;

    public PortKey Key { get; } = key;

    /// <summary>True when the port terminates TLS (it has HTTPS listeners).</summary>
    public bool IsTls { get; } = isTls;

    /// <summary>
    /// The port's listeners by name (the first of a name wins), made when first asked for: no request reads it, and
    /// a table of 10,000 names made (and frozen) on every apply cost each change more than any look-up could save.
    /// </summary>
    public IReadOnlyDictionary<string, CompiledListener> ListenersByName => _byName ??= ByName(listeners);

    /// <summary>
    /// By hostname (exact, wildcard, then without hostname); with nothing matching, the first
    /// listener, so a TLS client without SNI still gets a certificate.
    /// </summary>
    public CompiledListener? SelectListener(ReadOnlySpan<char> host) =>
        listenersByHost.Match(host) ?? firstListener;

    private static Dictionary<string, CompiledListener> ByName(IReadOnlyList<CompiledListener> listeners)
    {
        var byName = new Dictionary<string, CompiledListener>(listeners.Count, StringComparer.Ordinal);
        foreach (var listener in listeners)
        {
            byName.TryAdd(listener.Name, listener);
        }

        return byName;
    }
}

/// <summary>One Gateway listener: its virtual hosts and, for HTTPS, its certificates.</summary>
internal sealed class CompiledListener(
    string name,
    ListenerProtocol protocol,
    HostTable<VirtualHost> hosts,
    CertificateSelector? certificates)
{
    public string Name { get; } = name;

    public ListenerProtocol Protocol { get; } = protocol;

    public HostTable<VirtualHost> Hosts { get; } = hosts;

    /// <summary>Null for HTTP listeners and for HTTPS listeners without a usable certificate.</summary>
    public CertificateSelector? Certificates { get; } = certificates;

    /// <summary>HTTPS only: the client certificate its handshakes ask for; null asks for none.</summary>
    public ClientCertificatePolicy? ClientCertificates { get; init; }
}

/// <summary>The routes for one hostname, in Gateway API precedence order.</summary>
internal sealed class VirtualHost
{
    public List<CompiledRoute> Routes { get; } = [];

    public CompiledRoute? Match(Microsoft.AspNetCore.Http.HttpRequest request)
    {
        foreach (var route in Routes)
        {
            if (route.IsMatch(request))
            {
                return route;
            }
        }

        return null;
    }
}
