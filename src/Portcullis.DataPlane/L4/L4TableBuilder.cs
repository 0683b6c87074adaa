namespace Portcullis.DataPlane.L4;

using System.Collections.Frozen;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Routing;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>Compiles the TLS, TCP and UDP listeners of a GatewayConfig into <see cref="L4Tables"/>.</summary>
internal static class L4TableBuilder
{
    public static L4Tables Build(GatewayConfig config, CertificateStore certificates, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        var streams = new Dictionary<PortKey, List<ListenerConfig>>();
        var datagrams = new Dictionary<PortKey, WeightedEndpoints?>();
        foreach (var listener in config.Listeners)
        {
            if (!PortKey.TryParse(listener.Address, listener.Port, out var key))
            {
                continue; // Reported as a bind failure by the listener manager.
            }

            if (listener.Protocol == ListenerProtocol.Udp)
            {
                // Listeners are sorted by name; two UDP listeners on one port are a conflict the translator rejects.
                datagrams.TryAdd(key, FirstRoute(listener));
                continue;
            }

            if (!streams.TryGetValue(key, out var list))
            {
                streams[key] = list = [];
            }

            list.Add(listener);
        }

        var tables = new Dictionary<PortKey, StreamPortTable>();
        foreach (var (key, listeners) in streams)
        {
            if (listeners.Exists(l => l.Protocol is ListenerProtocol.Tls or ListenerProtocol.Tcp))
            {
                tables[key] = BuildStreamPort(key, listeners, certificates, logger);
            }
        }

        return new L4Tables(tables.ToFrozenDictionary(), datagrams.ToFrozenDictionary());
    }

    private static StreamPortTable BuildStreamPort(PortKey key, List<ListenerConfig> listeners, CertificateStore certificates, ILogger logger)
    {
        var tcp = listeners.Find(l => l.Protocol == ListenerProtocol.Tcp);
        if (tcp is not null)
        {
            // The translator lets no other listener share a TCP listener's port; should one appear, TCP keeps the port.
            foreach (var other in listeners.Where(l => l != tcp))
            {
                DataPlaneLog.ListenerProtocolConflict(logger, other.Name, key.ToString());
            }

            return new StreamPortTable(FirstRoute(tcp), isTcp: true, new HostTable<TlsListenerEntry>.Builder().Build(), hasHttps: false);
        }

        var byHost = new HostTable<TlsListenerEntry>.Builder();
        var hasHttps = false;
        foreach (var listener in listeners)
        {
            if (listener.Protocol == ListenerProtocol.Https)
            {
                hasHttps = true;
                byHost.TryAdd(listener.Hostname, new TlsListenerEntry(listener.Name, null, new HostTable<WeightedEndpoints>.Builder().Build(), null));
                continue;
            }

            if (listener.Protocol != ListenerProtocol.Tls || listener.L4?.TlsMode is not { } mode)
            {
                DataPlaneLog.ListenerProtocolConflict(logger, listener.Name, key.ToString());
                continue;
            }

            CertificateSelector? selector = null;
            if (mode == TlsMode.Terminate)
            {
                selector = RoutingTableBuilder.LoadCertificates(listener, certificates, logger);
                if (selector is null)
                {
                    continue; // Cannot complete a handshake; leave the SNI to the other listeners.
                }
            }

            var routes = new HostTable<WeightedEndpoints>.Builder();
            foreach (var route in listener.L4.Routes)
            {
                routes.TryAdd(route.Hostname, new WeightedEndpoints(route.Name, route.Backends));
            }

            byHost.TryAdd(listener.Hostname, new TlsListenerEntry(listener.Name, mode, routes.Build(), selector));
        }

        return new StreamPortTable(null, isTcp: false, byHost.Build(), hasHttps);
    }

    /// <summary>TCP and UDP listeners take every connection to their first route (the oldest).</summary>
    private static WeightedEndpoints? FirstRoute(ListenerConfig listener) =>
        listener.L4?.Routes is { Count: > 0 } routes ? new WeightedEndpoints(routes[0].Name, routes[0].Backends) : null;
}
