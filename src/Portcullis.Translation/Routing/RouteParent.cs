namespace Portcullis.Translation.Routing;

using Portcullis.Model.GatewayApi;

/// <summary>
/// What a route's parentRef names, when it is ours: a Gateway (whose own listeners it may attach to) or a
/// ListenerSet (whose listeners it may attach to; a Gateway parentRef never reaches them).
/// </summary>
internal sealed record RouteParent(GatewayState Gateway, ListenerSetState? Set)
{
    /// <summary>The parentRef kind the route status reports.</summary>
    public string Kind => Set is null ? "Gateway" : ListenerSet.KindName;

    public IReadOnlyList<ListenerState> Listeners => Set is null ? Gateway.Listeners : Set.Listeners;

    /// <summary>"Gateway ns/name" or "ListenerSet ns/name", for messages.</summary>
    public string Description => Set is null ? $"Gateway {Gateway.Key}" : $"ListenerSet {Set.Key}";

    /// <summary>
    /// The Gateway or ListenerSet of ours the parentRef names; null for other kinds and for objects another
    /// controller reports on. A ListenerSet its Gateway does not allow is still ours to report on.
    /// </summary>
    public static RouteParent? Find(TranslationContext context, ParentReference parentRef, string routeNamespace)
    {
        if (!SnapshotIndex.IsGatewayApiGroup(parentRef.Group))
        {
            return null;
        }

        var ns = parentRef.Namespace ?? routeNamespace;
        switch (parentRef.Kind ?? "Gateway")
        {
            case "Gateway":
                return context.FindGateway(ns, parentRef.Name)?.AsParent;
            case ListenerSet.KindName:
                return FindSet(context, ns, parentRef.Name)?.AsParent;
            default:
                return null;
        }
    }

    // Apart from Find: a lambda capturing its variables would allocate a closure on every call, for Gateway parents too.
    private static ListenerSetState? FindSet(TranslationContext context, string ns, string name) =>
        context.ListenerSets.Find(s => s.Namespace == ns && s.ListenerSet.Metadata.Name == name);
}
