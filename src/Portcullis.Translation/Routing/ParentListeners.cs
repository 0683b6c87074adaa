namespace Portcullis.Translation.Routing;

using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Status;

/// <summary>
/// The listeners a route's parentRef lets it attach to, whatever the route kind: those its sectionName
/// and port select, that are accepted, that take the kind and the route's namespace. When there are
/// none, the Accepted=False condition that says why (NoMatchingParent or NotAllowedByListeners).
/// </summary>
internal static class ParentListeners
{
    public static (List<ListenerState> Allowed, Condition? Rejected) Select(
        TranslationContext context, RouteParent parent, ParentReference parentRef, string routeKind, string routeNs, long generation)
    {
        if (parent.Set is { IsAccepted: false } set)
        {
            return ([], Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingParent,
                $"ListenerSet {set.Key} is not accepted by Gateway {set.Gateway.Key}", generation));
        }

        var selected = parent.Listeners
            .Where(l => (parentRef.SectionName is null || l.Spec.Name == parentRef.SectionName)
                && (parentRef.Port is null || l.Spec.Port == parentRef.Port))
            .ToList();
        if (selected.Count == 0)
        {
            return ([], Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingParent,
                $"{parent.Description} has no listener{Describe(parentRef)}", generation));
        }

        var usable = selected.Where(l => l.IsAccepted).ToList();
        if (usable.Count == 0)
        {
            return ([], Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingParent,
                $"no accepted listener{Describe(parentRef)} on {parent.Description}", generation));
        }

        var allowed = usable.Where(l => l.SupportedKinds.Exists(k => k.Kind == routeKind)
            && RouteAdmission.AllowsNamespace(l.Spec, l.OwnerNamespace, routeNs, context.Index)).ToList();
        return allowed.Count > 0
            ? (allowed, null)
            : ([], Conditions.False(ConditionTypes.Accepted, RouteReasons.NotAllowedByListeners,
                $"no listener{Describe(parentRef)} of {parent.Description} allows {routeKind}s from namespace {routeNs}", generation));
    }

    /// <summary>" named NAME on port N", as much of it as the parentRef says.</summary>
    public static string Describe(ParentReference p) =>
        (p.SectionName, p.Port) switch
        {
            (null, null) => "",
            ({ } s, null) => $" named {s}",
            (null, { } port) => $" on port {port}",
            ({ } s, { } port) => $" named {s} on port {port}",
        };
}
