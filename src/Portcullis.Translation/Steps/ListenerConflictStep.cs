namespace Portcullis.Translation.Steps;

using Portcullis.Translation.Status;

/// <summary>
/// Marks indistinct listeners Conflicted. The spec's distinctness rules apply to every listener the
/// data plane serves on one address and port, so Gateways that share a bind address are checked
/// together. No conflicted listener wins: all of them are left unserved, as the spec requires.
/// </summary>
internal sealed class ListenerConflictStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        // With provisioned Services each Gateway has pods of its own, so only its own listeners can collide.
        var perGateway = context.Options.AddressSource == AddressSource.ProvisionedService;
        var groups = context.Gateways
            .SelectMany(g => g.Listeners)
            .Where(l => l.Protocol is not null)
            .GroupBy(l => (Address: perGateway ? l.Gateway.Key : l.Gateway.BindAddress ?? "unbound " + l.Gateway.Key, l.Spec.Port));

        foreach (var group in groups)
        {
            var listeners = group.ToList();
            if (listeners.Select(l => l.Protocol).Distinct().Count() > 1)
            {
                foreach (var l in listeners)
                {
                    l.ConflictReason = ListenerReasons.ProtocolConflict;
                    l.ConflictMessage = $"port {group.Key.Port} is used with different protocols by listeners {Names(listeners)}";
                }

                continue;
            }

            foreach (var same in listeners.GroupBy(l => (l.Spec.Hostname ?? "").ToLowerInvariant()).Where(h => h.Count() > 1))
            {
                var list = same.ToList();
                foreach (var l in list)
                {
                    l.ConflictReason = ListenerReasons.HostnameConflict;
                    l.ConflictMessage = $"listeners {Names(list)} share port {group.Key.Port}, protocol {l.Spec.Protocol} and hostname \"{same.Key}\"";
                }
            }
        }
    }

    private static string Names(List<ListenerState> listeners) =>
        string.Join(", ", listeners.Select(l => l.Name).Order(StringComparer.Ordinal));
}
