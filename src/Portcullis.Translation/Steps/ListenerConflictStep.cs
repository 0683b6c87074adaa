namespace Portcullis.Translation.Steps;

using Portcullis.Ir;
using Portcullis.Translation.Status;

/// <summary>
/// Marks indistinct listeners Conflicted. The spec's distinctness rules apply to every listener the
/// data plane serves on one address and port, so Gateways that share a bind address are checked
/// together. No conflicted listener wins: all of them are left unserved, as the spec requires.
/// UDP has ports of its own, so TCP and UDP on one port number never conflict. HTTPS and TLS share a
/// port as one family (the ClientHello's SNI picks the listener); TCP and UDP listeners cannot tell
/// connections apart, so two of them on one port conflict whatever their hostnames.
/// </summary>
internal sealed class ListenerConflictStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        // Grouped by hand rather than with GroupBy: 10,000 listeners on one port would make 10,000 groupings of one.
        var groups = new Dictionary<(string Address, int Port, bool Udp), List<ListenerState>>();
        foreach (var gw in context.Gateways)
        {
            foreach (var l in gw.Listeners)
            {
                if (l.Protocol is null)
                {
                    continue;
                }

                var key = PortKey(context, l);
                if (!groups.TryGetValue(key, out var group))
                {
                    groups[key] = group = [];
                }

                group.Add(l);
            }
        }

        foreach (var (key, listeners) in groups)
        {
            var family = Family(listeners[0].Protocol!.Value);
            if (listeners.Exists(l => Family(l.Protocol!.Value) != family))
            {
                foreach (var l in listeners)
                {
                    l.ConflictReason = ListenerReasons.ProtocolConflict;
                    l.ConflictMessage = $"port {key.Port} is used with different protocols by listeners {Names(listeners)}";
                }

                continue;
            }

            var counts = new Dictionary<string, int>(listeners.Count, StringComparer.Ordinal);
            foreach (var l in listeners)
            {
                var distinctBy = DistinctBy(l);
                counts[distinctBy] = counts.GetValueOrDefault(distinctBy) + 1;
            }

            foreach (var (distinctBy, count) in counts)
            {
                if (count < 2)
                {
                    continue;
                }

                var list = listeners.FindAll(l => DistinctBy(l) == distinctBy);
                foreach (var l in list)
                {
                    l.ConflictReason = ListenerReasons.HostnameConflict;
                    l.ConflictMessage = l.Protocol is ListenerProtocol.Tcp or ListenerProtocol.Udp
                        ? $"listeners {Names(list)} share port {key.Port} and protocol {l.Spec.Protocol}, which cannot tell connections apart"
                        : $"listeners {Names(list)} share port {key.Port}, protocol {l.Spec.Protocol} and hostname \"{distinctBy}\"";
                }
            }
        }
    }

    /// <summary>The socket a listener is served on: listeners with equal keys must be distinct.</summary>
    internal static (string Address, int Port, bool Udp) PortKey(TranslationContext context, ListenerState l)
    {
        // With provisioned Services each Gateway has pods of its own, so only its own listeners can collide.
        var perGateway = context.Options.AddressSource == AddressSource.ProvisionedService;
        return (perGateway ? l.Gateway.Key : l.Gateway.BindAddress ?? "unbound " + l.Gateway.Key, l.Spec.Port, l.Protocol == ListenerProtocol.Udp);
    }

    /// <summary>Protocols that can share a port because the data plane tells their connections apart.</summary>
    internal static ListenerProtocol Family(ListenerProtocol protocol) =>
        protocol == ListenerProtocol.Tls ? ListenerProtocol.Https : protocol;

    /// <summary>What must differ between listeners of one family on one port.</summary>
    internal static string DistinctBy(ListenerState l) =>
        l.Protocol is ListenerProtocol.Tcp or ListenerProtocol.Udp ? "" : (l.Spec.Hostname ?? "").ToLowerInvariant();

    private static string Names(List<ListenerState> listeners) =>
        string.Join(", ", listeners.Select(l => l.Name).Order(StringComparer.Ordinal));
}
