namespace Portcullis.Translation.Steps;

using Portcullis.Ir;
using Portcullis.Translation.Status;

/// <summary>
/// Applies the spec's listener precedence to ListenerSet listeners: the parent Gateway's own listeners first,
/// then ListenerSets oldest first, then by namespace/name. Unlike conflicts among a Gateway's own listeners
/// (where every party loses), a ListenerSet listener that is not distinct from one of higher precedence on the
/// same address and port is the only one Conflicted; the earlier one keeps serving. Then decides which
/// ListenerSets are accepted: the parent Gateway is, and at least one of the set's listeners is valid.
/// The messages name no other listener: a ListenerSet's author may not be allowed to see its siblings.
/// </summary>
internal sealed class ListenerSetConflictStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        var taken = new Dictionary<(string Address, int Port, bool Udp), List<ListenerState>>();
        foreach (var l in context.Gateways.SelectMany(g => g.Listeners).Where(l => l.Protocol is not null))
        {
            Taken(taken, ListenerConflictStep.PortKey(context, l)).Add(l);
        }

        // context.ListenerSets is already in precedence order, and each set's listeners in spec order.
        foreach (var l in context.ListenerSets.SelectMany(s => s.Listeners).Where(l => l.Protocol is not null))
        {
            var others = Taken(taken, ListenerConflictStep.PortKey(context, l));
            var family = ListenerConflictStep.Family(l.Protocol!.Value);
            if (others.Exists(o => ListenerConflictStep.Family(o.Protocol!.Value) != family))
            {
                l.ConflictReason = ListenerReasons.ProtocolConflict;
                l.ConflictMessage = $"port {l.Spec.Port} is already used with another protocol by a listener of higher precedence";
                continue;
            }

            var distinctBy = ListenerConflictStep.DistinctBy(l);
            if (others.Exists(o => ListenerConflictStep.DistinctBy(o) == distinctBy))
            {
                l.ConflictReason = ListenerReasons.HostnameConflict;
                l.ConflictMessage = l.Protocol is ListenerProtocol.Tcp or ListenerProtocol.Udp
                    ? $"port {l.Spec.Port} and protocol {l.Spec.Protocol} are already used by a listener of higher precedence"
                    : $"port {l.Spec.Port}, protocol {l.Spec.Protocol} and hostname \"{distinctBy}\" are already used by a listener of higher precedence";
                continue;
            }

            others.Add(l);
        }

        foreach (var set in context.ListenerSets)
        {
            set.IsAccepted = set.NotAllowed is null && set.Gateway.IsAccepted && set.Listeners.Exists(ListenerSetState.IsValid);
        }
    }

    private static List<ListenerState> Taken(Dictionary<(string, int, bool), List<ListenerState>> taken, (string, int, bool) key)
    {
        if (!taken.TryGetValue(key, out var list))
        {
            taken[key] = list = [];
        }

        return list;
    }
}
