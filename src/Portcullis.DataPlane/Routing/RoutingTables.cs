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
    IReadOnlyDictionary<string, CompiledListener> listenersByName)
{
    public PortKey Key { get; } = key;

    /// <summary>True when the port terminates TLS (it has HTTPS listeners).</summary>
    public bool IsTls { get; } = isTls;

    /// <summary>Not read per request (a plain dictionary: freezing 10,000 names cost every apply more than it could save).</summary>
    public IReadOnlyDictionary<string, CompiledListener> ListenersByName { get; } = listenersByName;

    /// <summary>
    /// By hostname (exact, wildcard, then without hostname); with nothing matching, the first
    /// listener, so a TLS client without SNI still gets a certificate.
    /// </summary>
    public CompiledListener? SelectListener(ReadOnlySpan<char> host) =>
        listenersByHost.Match(host) ?? firstListener;
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
