namespace Portcullis.DataPlane.Routing;

using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Portcullis.DataPlane.Listeners;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>Compiles a GatewayConfig into <see cref="RoutingTables"/>: all regexes, host tables and certificates up front.</summary>
internal static class RoutingTableBuilder
{
    /// <param name="cache">The previous apply's listeners, reused where their config is unchanged; null compiles all.</param>
    public static RoutingTables Build(GatewayConfig config, CertificateStore certificates, ILogger logger, CompiledListenerCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var ports = new Dictionary<PortKey, List<ListenerConfig>>();
        foreach (var listener in config.Listeners)
        {
            if (listener.L4 is not null)
            {
                continue; // TLS, TCP and UDP listeners are compiled by L4TableBuilder.
            }

            if (!PortKey.TryParse(listener.Address, listener.Port, out var key))
            {
                continue; // Reported as a bind failure by the listener manager.
            }

            if (!ports.TryGetValue(key, out var list))
            {
                ports[key] = list = [];
            }

            list.Add(listener);
        }

        var tables = new Dictionary<PortKey, PortTable>();
        foreach (var (key, listeners) in ports)
        {
            tables[key] = BuildPort(key, listeners, certificates, logger, cache);
        }

        return new RoutingTables(tables.ToFrozenDictionary());
    }

    private static PortTable BuildPort(PortKey key, List<ListenerConfig> listeners, CertificateStore certificates, ILogger logger, CompiledListenerCache? cache)
    {
        // The translator rejects mixed protocols on one port; should both appear, TLS wins and the
        // cleartext listeners are left out rather than served on a TLS socket.
        var isTls = listeners.Exists(l => l.Protocol == ListenerProtocol.Https);
        var byHost = new HostTable<CompiledListener>.Builder(listeners.Count);
        var compiledListeners = new List<CompiledListener>(listeners.Count);
        CompiledListener? first = null;
        foreach (var listener in listeners)
        {
            if (isTls != (listener.Protocol == ListenerProtocol.Https))
            {
                DataPlaneLog.ListenerProtocolConflict(logger, listener.Name, key.ToString());
                continue;
            }

            var compiled = cache is null
                ? BuildListener(listener, certificates, logger)
                : cache.GetOrCompile(listener, certificates, l => BuildListener(l, certificates, logger));
            if (isTls && compiled.Certificates is null)
            {
                continue; // Cannot complete a handshake; leave the port to the other listeners.
            }

            compiledListeners.Add(compiled);
            byHost.TryAdd(listener.Hostname, compiled);
            first ??= compiled;
        }

        return new PortTable(key, isTls, byHost.Build(), first, compiledListeners);
    }

    private static CompiledListener BuildListener(ListenerConfig listener, CertificateStore certificates, ILogger logger)
    {
        var hosts = new HostTable<VirtualHost>.Builder();
        foreach (var route in listener.Routes)
        {
            try
            {
                var compiled = new CompiledRoute(route, new CompiledAction(route.Action,
                    route.Path.Type == PathMatchType.PathPrefix ? route.Path.Value : ""));
                hosts.GetOrAdd(route.Hostname, static () => new VirtualHost()).Routes.Add(compiled);
            }
            catch (ArgumentException ex)
            {
                // A regex the translator let through but .NET cannot parse: drop that match only.
                DataPlaneLog.RouteSkipped(logger, route.Name, ex.Message);
            }
        }

        var selector = listener.Protocol == ListenerProtocol.Https ? LoadCertificates(listener, certificates, logger) : null;
        return new CompiledListener(listener.Name, listener.Protocol, hosts.Build(), selector)
        {
            ClientCertificates = selector is not null && listener.ClientValidation is { } v ? certificates.GetOrCreatePolicy(v) : null,
        };
    }

    /// <summary>A terminating listener's certificates; null when none can be loaded (the listener cannot handshake).</summary>
    internal static CertificateSelector? LoadCertificates(ListenerConfig listener, CertificateStore certificates, ILogger logger)
    {
        var loaded = new List<ServerCertificate>();
        foreach (var certificate in listener.Certificates)
        {
            try
            {
                loaded.Add(certificates.GetOrLoad(certificate));
            }
            catch (CryptographicException ex)
            {
                DataPlaneLog.CertificateSkipped(logger, certificate.Name, listener.Name, ex.Message);
            }
        }

        return loaded.Count > 0 ? new CertificateSelector(loaded) : null;
    }
}
