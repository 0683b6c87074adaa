namespace Portcullis.Translation.Steps;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Backends;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Status;

/// <summary>
/// What TLSRoutes, TCPRoutes and UDPRoutes share: attach each route to the listeners its parentRefs
/// select and whose allowedRoutes take its kind and namespace, report one RouteParentStatus per
/// parentRef that names one of our Gateways, and give each listener the route's weighted backends.
/// A route has one rule (the v1 schemas allow no more; with several, which rule gets a connection
/// could only be guessed, so the route is not accepted).
/// </summary>
internal abstract class L4RouteStep<TRoute> : ITranslationStep
    where TRoute : KubernetesObject
{
    protected abstract string Kind { get; }

    public void Run(TranslationContext context)
    {
        var statuses = Statuses(context);
        foreach (var route in Routes(context.Snapshot))
        {
            var generation = route.Metadata.Generation;
            var routeNs = route.Metadata.Namespace ?? "";
            var rules = Rules(route);
            var resolved = rules.Count == 1
                ? rules[0].BackendRefs.Select(r => BackendResolver.ResolveStream(context.Index, Kind, routeNs, r)).ToList()
                : [];
            var unsupported = rules.Count == 1 ? null : $"{Kind} has {rules.Count} rules; Portcullis takes exactly one";
            var ruleName = rules.Count == 1 ? rules[0].Name ?? "0" : "0";
            var config = new RouteShape(
                string.Create(CultureInfo.InvariantCulture, $"{routeNs}/{route.Metadata.Name}/rule/{ruleName}"),
                resolved.Select(b => b.Backend).ToEquatableArray());

            var parents = new List<RouteParentStatus>();
            var attached = new HashSet<ListenerState>();
            foreach (var parentRef in ParentRefs(route))
            {
                if (RouteParent.Find(context, parentRef, routeNs) is not { } parent)
                {
                    continue; // not a Gateway or ListenerSet of ours: its controller reports on it
                }

                var accepted = Attach(context, route, config, unsupported, parent, parentRef, attached);
                var errors = resolved.Where(b => b.ErrorReason is not null).ToList();
                var resolvedRefs = errors.Count > 0
                    ? Conditions.False(ConditionTypes.ResolvedRefs, errors[0].ErrorReason!, string.Join("; ", errors.Select(e => e.ErrorMessage)), generation)
                    : Conditions.True(ConditionTypes.ResolvedRefs, RouteReasons.ResolvedRefs, "All references are resolved", generation);
                parents.Add(new RouteParentStatus
                {
                    ParentRef = parentRef with { Group = GatewayApiGroup.Name, Kind = parent.Kind },
                    ControllerName = context.Options.ControllerName,
                    Conditions = [accepted, resolvedRefs],
                });
            }

            if (parents.Count > 0)
            {
                statuses[route.Ref] = new L4RouteStatus { Parents = parents };
            }
        }
    }

    protected abstract IEnumerable<TRoute> Routes(ResourceSnapshot snapshot);

    protected abstract IReadOnlyList<ParentReference> ParentRefs(TRoute route);

    protected abstract IReadOnlyList<L4RouteRule> Rules(TRoute route);

    /// <summary>The SNI names the route asks for (TLSRoute); null when the protocol has no hostnames.</summary>
    protected virtual IReadOnlyList<string>? Hostnames(TRoute route) => null;

    protected abstract SortedDictionary<ObjectRef, L4RouteStatus> Statuses(TranslationContext context);

    private Condition Attach(TranslationContext context, TRoute route, RouteShape config, string? unsupported,
        RouteParent parent, ParentReference parentRef, HashSet<ListenerState> attached)
    {
        var generation = route.Metadata.Generation;
        var (allowed, rejected) = ParentListeners.Select(context, parent, parentRef, Kind, route.Metadata.Namespace ?? "", generation);
        if (rejected is not null)
        {
            return rejected;
        }

        var matching = allowed.Allowed
            .Select(l => (Listener: l, Hostnames: Hostnames(route) is { } names ? Routing.Hostnames.Intersect(l.Spec.Hostname, names) : [Routing.Hostnames.Any]))
            .Where(m => m.Hostnames.Count > 0)
            .ToList();
        if (matching.Count == 0)
        {
            return Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingListenerHostname,
                $"no hostname of the route intersects the hostname of a listener{ParentListeners.Describe(parentRef)} of {parent.Description}", generation);
        }

        if (unsupported is not null)
        {
            return Conditions.False(ConditionTypes.Accepted, RouteReasons.UnsupportedValue, unsupported, generation);
        }

        foreach (var (listener, hostnames) in matching)
        {
            if (attached.Add(listener))
            {
                listener.AttachedRoutes++;
                foreach (var hostname in hostnames)
                {
                    listener.L4Routes.Add(new L4RouteCandidate(new L4RouteConfig(config.Name, hostname, config.Backends), route.Metadata.CreationTimestamp));
                }
            }
        }

        return Conditions.True(ConditionTypes.Accepted, RouteReasons.Accepted, "Route is accepted", generation);
    }

    private sealed record RouteShape(string Name, EquatableArray<WeightedBackend> Backends);
}

/// <summary>TLSRoutes: routed by the ClientHello's SNI against the route's hostnames and the listener's.</summary>
internal sealed class TlsRouteStep : L4RouteStep<TlsRoute>
{
    protected override string Kind => TlsRoute.KindName;

    protected override IEnumerable<TlsRoute> Routes(ResourceSnapshot snapshot) => snapshot.TlsRoutes;

    protected override IReadOnlyList<ParentReference> ParentRefs(TlsRoute route) => route.Spec.ParentRefs;

    protected override IReadOnlyList<L4RouteRule> Rules(TlsRoute route) => route.Spec.Rules;

    protected override IReadOnlyList<string> Hostnames(TlsRoute route) => route.Spec.Hostnames;

    protected override SortedDictionary<ObjectRef, L4RouteStatus> Statuses(TranslationContext context) => context.TlsRouteStatuses;
}

/// <summary>TCPRoutes: every connection to the listener goes to the route's backends.</summary>
internal sealed class TcpRouteStep : L4RouteStep<TcpRoute>
{
    protected override string Kind => TcpRoute.KindName;

    protected override IEnumerable<TcpRoute> Routes(ResourceSnapshot snapshot) => snapshot.TcpRoutes;

    protected override IReadOnlyList<ParentReference> ParentRefs(TcpRoute route) => route.Spec.ParentRefs;

    protected override IReadOnlyList<L4RouteRule> Rules(TcpRoute route) => route.Spec.Rules;

    protected override SortedDictionary<ObjectRef, L4RouteStatus> Statuses(TranslationContext context) => context.TcpRouteStatuses;
}

/// <summary>UDPRoutes: every client's datagrams to the listener go to the route's backends.</summary>
internal sealed class UdpRouteStep : L4RouteStep<UdpRoute>
{
    protected override string Kind => UdpRoute.KindName;

    protected override IEnumerable<UdpRoute> Routes(ResourceSnapshot snapshot) => snapshot.UdpRoutes;

    protected override IReadOnlyList<ParentReference> ParentRefs(UdpRoute route) => route.Spec.ParentRefs;

    protected override IReadOnlyList<L4RouteRule> Rules(UdpRoute route) => route.Spec.Rules;

    protected override SortedDictionary<ObjectRef, L4RouteStatus> Statuses(TranslationContext context) => context.UdpRouteStatuses;
}
