namespace Portcullis.Translation.Steps;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;

/// <summary>
/// Takes in the ListenerSets whose parentRef names one of our Gateways, in the spec's precedence order (oldest
/// first, then namespace/name), and, for those the Gateway's spec.allowedListeners selects, judges each listener
/// as GatewayStep judges the Gateway's own (certificates and allowedRoutes "Same" relative to the ListenerSet's
/// namespace). The listeners join the Gateway after its own, so they lose every conflict with them.
/// </summary>
internal sealed class ListenerSetStep : ITranslationStep
{
    public const string FromNone = "None";

    public void Run(TranslationContext context)
    {
        var ordered = context.Snapshot.ListenerSets
            .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
            .ThenBy(s => $"{s.Metadata.Namespace}/{s.Metadata.Name}", StringComparer.Ordinal);
        foreach (var set in ordered)
        {
            var p = set.Spec.ParentRef;
            if (!SnapshotIndex.IsGatewayApiGroup(p.Group) || (p.Kind ?? "Gateway") != "Gateway"
                || context.FindGateway(p.Namespace ?? set.Metadata.Namespace ?? "", p.Name) is not { } gateway)
            {
                continue; // not a Gateway of ours: its controller reports on the ListenerSet
            }

            var state = new ListenerSetState(set, gateway);
            context.ListenerSets.Add(state);
            state.NotAllowed = NotAllowed(context, gateway.Gateway, state.Namespace);
            if (state.NotAllowed is not null)
            {
                continue;
            }

            foreach (var listener in set.Spec.Listeners)
            {
                var l = GatewayStep.JudgeListener(context, gateway, listener, state);
                state.Listeners.Add(l);
                gateway.SetListeners.Add(l);
            }
        }
    }

    /// <summary>Why the Gateway's spec.allowedListeners does not select a ListenerSet in the namespace; null when it does.</summary>
    private static string? NotAllowed(TranslationContext context, Gateway gateway, string setNamespace)
    {
        var namespaces = gateway.Spec.AllowedListeners?.Namespaces;
        var gwNs = gateway.Metadata.Namespace ?? "";
        var key = $"{gwNs}/{gateway.Metadata.Name}";
        return (namespaces?.From ?? FromNone) switch
        {
            RouteAdmission.FromAll => null,
            RouteAdmission.FromSame when string.Equals(gwNs, setNamespace, StringComparison.Ordinal) => null,
            RouteAdmission.FromSame => $"Gateway {key} allows ListenerSets from its own namespace only",
            RouteAdmission.FromSelector when namespaces!.Selector is { } selector && RouteAdmission.Matches(selector, context.Index.NamespaceLabels(setNamespace)) => null,
            RouteAdmission.FromSelector => $"Gateway {key} does not select namespace {setNamespace} in spec.allowedListeners.namespaces.selector",
            _ => $"Gateway {key} allows no ListenerSets (spec.allowedListeners.namespaces.from is None or unset)",
        };
    }
}
