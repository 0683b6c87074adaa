namespace Portcullis.Translation.Steps;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Caching;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Status;

/// <summary>An HTTPRoute or GRPCRoute whose rules are translated, waiting to be attached to listeners.</summary>
/// <param name="Route">The route seen as an HTTPRoute (a GRPCRoute's view keeps its kind, metadata, parents and hostnames).</param>
internal sealed record PendingRoute(RouteKind Kind, HttpRoute Route, HttpRouteRules Rules)
{
    public string Key => Rules.Key;

    /// <summary>Set by RouteAttachStep when a parentRef names one of ours: the HTTPRouteStatus or GRPCRouteStatus.</summary>
    public object? Status { get; set; }
}

/// <summary>
/// Attaches each HTTPRoute and GRPCRoute to the listeners its parentRefs select and that accept it,
/// reports one RouteParentStatus per parentRef that names one of our Gateways, and expands the route
/// into IR routes (hostname x rule x match) on every listener it attached to. Routes are taken oldest
/// first (then by namespace/name) so that, when an HTTPRoute and a GRPCRoute share a hostname on a
/// listener, the one the spec keeps is already attached when the other arrives and is refused.
/// With a cache, a Gateway whose decisions and claiming routes are unchanged takes the previous translation's
/// attachment whole (<see cref="GatewayAttachment"/>), and a route whose parents' conditions are the same
/// objects keeps its previous status (<see cref="RouteStatusEntry"/>).
/// </summary>
internal sealed class RouteAttachStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        var ordered = InAttachmentOrder(context.PendingRoutes);

        // Every parentRef that names a Gateway or ListenerSet of ours, in attachment order, and per Gateway. Attachment
        // to one Gateway reads only its own listeners, so each Gateway's claims are attached (or reused) on their own.
        var claims = new List<ParentClaim>(context.PendingRoutes.Count);
        var byGateway = new Dictionary<GatewayState, List<ParentClaim>>(context.Gateways.Count, ReferenceEqualityComparer.Instance);
        foreach (var pending in ordered)
        {
            var parentRefs = pending.Route.Spec.ParentRefs; // indexed: foreach over the interface would box an enumerator per route
            for (var i = 0; i < parentRefs.Count; i++)
            {
                var parentRef = parentRefs[i];
                if (RouteParent.Find(context, parentRef, pending.Route.Metadata.Namespace ?? "") is not { } parent)
                {
                    continue; // not a Gateway or ListenerSet of ours: its controller reports on it
                }

                var claim = new ParentClaim(pending, parentRef, parent);
                claims.Add(claim);
                if (!byGateway.TryGetValue(parent.Gateway, out var list))
                {
                    byGateway[parent.Gateway] = list = [];
                }

                list.Add(claim);
            }
        }

        var attached = new List<ListenerState>(); // a route attaches to a few listeners: a list is cheaper than a set
        foreach (var gateway in context.Gateways)
        {
            var list = byGateway.GetValueOrDefault(gateway) ?? [];
            if (!Reuse(context, gateway, list))
            {
                PendingRoute? current = null;
                foreach (var claim in list)
                {
                    if (!ReferenceEquals(claim.Pending, current))
                    {
                        current = claim.Pending;
                        attached.Clear();
                    }

                    claim.Accepted = Attach(context, claim.Pending, claim.Parent, claim.ParentRef, attached);
                }

                // Not while L4 routes exist: they attach after this step, to the very listener states the attachment keeps.
                if (context.ReuseGateways)
                {
                    gateway.Attachment = new GatewayAttachment(gateway, [.. list]);
                }
            }

            if (gateway.Attachment is { } attachment)
            {
                context.Cache!.Gateways.Keep(gateway.Gateway, attachment);
            }
        }

        // Each route's claims are consecutive: one status per route, its parents in parentRef order.
        var (http, grpc) = (0, 0);
        for (var start = 0; start < claims.Count;)
        {
            var end = start + 1;
            while (end < claims.Count && ReferenceEquals(claims[end].Pending, claims[start].Pending))
            {
                end++;
            }

            var pending = claims[start].Pending;
            pending.Status = ReportStatus(context, claims, start, end);
            _ = pending.Status is GrpcRouteStatus ? grpc++ : http++;
            start = end;
        }

        context.HttpRouteStatuses = Statuses<HttpRouteStatus>(context.PendingRoutes, http, ordered);
        context.GrpcRouteStatuses = Statuses<GrpcRouteStatus>(context.PendingRoutes, grpc, ordered);
    }

    /// <summary>
    /// The routes' statuses of type T by route. The routes in snapshot order, sorted by object, give them without sorting;
    /// when the snapshot is not sorted, they go into a sorted dictionary in attachment order, a later duplicate winning.
    /// </summary>
    private static IReadOnlyDictionary<ObjectRef, T> Statuses<T>(List<PendingRoute> inSnapshotOrder, int count, List<PendingRoute> inAttachmentOrder)
        where T : class
    {
        var (routes, values, n) = (new KubernetesObject[count], new T[count], 0);
        foreach (var p in inSnapshotOrder)
        {
            if (p.Status is T status)
            {
                (routes[n], values[n]) = (p.Route, status);
                n++;
            }
        }

        if (SortedStatusDictionary<T>.TryCreate(routes, values) is { } map)
        {
            return map;
        }

        var tree = new SortedDictionary<ObjectRef, T>(ObjectRef.Comparer);
        foreach (var p in inAttachmentOrder)
        {
            if (p.Status is T status)
            {
                tree[p.Route.Ref] = status;
            }
        }

        return tree;
    }

    /// <summary>
    /// Oldest first, then by namespace/name, then kind. HTTPRoutes come in namespace/name order and often share a creation
    /// time (a file provider's), so the list is checked first: a sorted list is its own stable sort, found in one pass.
    /// </summary>
    private static List<PendingRoute> InAttachmentOrder(List<PendingRoute> pending)
    {
        for (var i = 1; i < pending.Count; i++)
        {
            if (Compare(pending[i - 1], pending[i]) > 0)
            {
                return pending
                    .OrderBy(p => p.Route.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
                    .ThenBy(p => p.Key, StringComparer.Ordinal)
                    .ThenBy(p => p.Kind.Name, StringComparer.Ordinal)
                    .ToList();
            }
        }

        return pending;

        static int Compare(PendingRoute a, PendingRoute b)
        {
            var c = DateTimeOffset.Compare(a.Route.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue, b.Route.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue);
            c = c != 0 ? c : string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : string.CompareOrdinal(a.Kind.Name, b.Kind.Name);
        }
    }

    /// <summary>Takes the previous translation's attachment of the Gateway when it would be computed again from the same decisions and routes.</summary>
    private static bool Reuse(TranslationContext context, GatewayState gateway, List<ParentClaim> claims)
    {
        if (!context.ReuseGateways || !context.Cache!.Gateways.TryGetPrevious(gateway.Gateway, out var previous)
            || !GatewayDecisions.Same(gateway, previous.State) || !previous.SameClaims(claims))
        {
            return false;
        }

        for (var i = 0; i < claims.Count; i++)
        {
            claims[i].Accepted = previous.Claims[i].Accepted;
        }

        for (var i = 0; i < gateway.Listeners.Count; i++)
        {
            gateway.Listeners[i].TakeAttachments(previous.State.Listeners[i]);
        }

        for (var i = 0; i < gateway.SetListeners.Count; i++)
        {
            gateway.SetListeners[i].TakeAttachments(previous.State.SetListeners[i]);
        }

        gateway.Attachment = previous;
        gateway.Reused = true;
        context.Cache.ReusedGateways++;
        return true;
    }

    private static object ReportStatus(TranslationContext context, List<ParentClaim> claims, int start, int end)
    {
        var pending = claims[start].Pending;
        var (route, rules) = (pending.Route, pending.Rules);
        object status;
        if (context.Cache?.RouteStatuses.TryGetPrevious(route, out var previous) == true && previous.Matches(rules, claims, start, end))
        {
            status = previous.Status;
            context.Cache.RouteStatuses.Keep(route, previous);
        }
        else
        {
            var parents = new List<RouteParentStatus>(end - start);
            for (var i = start; i < end; i++)
            {
                var (parentRef, accepted) = (claims[i].ParentRef, claims[i].Accepted!);
                List<Condition> conditions = [accepted, ResolvedRefs(context, route, rules)];
                if (rules.PartiallyInvalid && accepted.Status == ConditionStatus.True)
                {
                    conditions.Add(Conditions.True(ConditionTypes.PartiallyInvalid, rules.NotAcceptedReason ?? RouteReasons.UnsupportedValue,
                        "Dropped Rule(s): " + string.Join("; ", rules.UnsupportedValues), route.Metadata.Generation));
                }

                parents.Add(new RouteParentStatus
                {
                    ParentRef = rules.Reported(parentRef, claims[i].Parent.Kind),
                    ControllerName = context.Options.ControllerName,
                    Conditions = conditions,
                });
            }

            status = pending.Kind == RouteKind.Grpc ? new GrpcRouteStatus { Parents = parents } : new HttpRouteStatus { Parents = parents };
            context.Cache?.RouteStatuses.Keep(route, new RouteStatusEntry(rules, claims, start, end, status));
        }

        return status;
    }

    private static Condition Attach(TranslationContext context, PendingRoute pending,
        RouteParent parent, ParentReference parentRef, List<ListenerState> attached)
    {
        var (route, rules) = (pending.Route, pending.Rules);
        var generation = route.Metadata.Generation;
        var routeNs = route.Metadata.Namespace ?? "";
        var (allowed, rejected) = ParentListeners.Select(context, parent, parentRef, pending.Kind.Name, routeNs, generation);
        if (rejected is not null)
        {
            return rejected;
        }

        var any = false;
        string? conflict = null;
        foreach (var listener in allowed.Candidates(route.Spec.Hostnames))
        {
            var hostnames = Hostnames.Intersect(listener.Spec.Hostname, route.Spec.Hostnames);
            if (hostnames.Count == 0)
            {
                continue;
            }

            if (ConflictingRoute(listener, pending.Kind, hostnames) is { } other)
            {
                conflict ??= $"listener {listener.Spec.Name} of {parent.Description} already serves {other.Kind.Name} {other.RouteKey} on a hostname of this route, "
                    + "and an HTTPRoute and a GRPCRoute cannot share one (the older route is kept)";
                continue;
            }

            any = true;
            if (!attached.Contains(listener))
            {
                attached.Add(listener);
                listener.AttachedRoutes++;
                (listener.AttachedHostnames ??= []).Add((pending.Kind, pending.Key, hostnames));
                AddRoutes(pending, listener, hostnames);
            }
        }

        if (!any)
        {
            return conflict is not null
                ? Conditions.False(ConditionTypes.Accepted, RouteReasons.NotAllowedByListeners, conflict, generation)
                : Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingListenerHostname,
                    $"no hostname of the route intersects the hostname of a listener{ParentListeners.Describe(parentRef)} of {parent.Description}", generation);
        }

        return rules.UnsupportedValues.Count > 0 && !rules.PartiallyInvalid
            ? Conditions.False(ConditionTypes.Accepted, rules.NotAcceptedReason ?? RouteReasons.UnsupportedValue, string.Join("; ", rules.UnsupportedValues), generation)
            : context.Constant(ConditionTypes.Accepted, true, RouteReasons.Accepted, "Route is accepted", generation);
    }

    private static Condition ResolvedRefs(TranslationContext context, HttpRoute route, HttpRouteRules rules) =>
        rules.ResolvedRefsReason is { } reason
            ? Conditions.False(ConditionTypes.ResolvedRefs, reason, string.Join("; ", rules.ResolvedRefsErrors), route.Metadata.Generation)
            : context.Constant(ConditionTypes.ResolvedRefs, true, RouteReasons.ResolvedRefs, "All references are resolved", route.Metadata.Generation);

    /// <summary>A route of the other kind already attached to the listener whose hostnames overlap these.</summary>
    private static (RouteKind Kind, string RouteKey, IReadOnlyList<string> Hostnames)? ConflictingRoute(
        ListenerState listener, RouteKind kind, IReadOnlyList<string> hostnames)
    {
        if (listener.AttachedHostnames is not { } attached)
        {
            return null;
        }

        foreach (var other in attached)
        {
            if (other.Kind != kind && AnyOverlap(other.Hostnames, hostnames))
            {
                return other;
            }
        }

        return null;

        // Loops, not nested Any: lambdas capturing the parameters would allocate on every call of the method.
        static bool AnyOverlap(IReadOnlyList<string> x, IReadOnlyList<string> y)
        {
            for (var i = 0; i < x.Count; i++)
            {
                for (var j = 0; j < y.Count; j++)
                {
                    if (Overlap(x[i], y[j]))
                    {
                        return true;
                    }
                }
            }

            return false;
        }

        static bool Overlap(string a, string b) => a == Hostnames.Any || b == Hostnames.Any || Hostnames.IntersectOne(a, b) is not null;
    }

    private static void AddRoutes(PendingRoute pending, ListenerState listener, IReadOnlyList<string> hostnames)
    {
        foreach (var hostname in hostnames)
        {
            listener.Routes.AddRange(pending.Rules.On(pending.Route, hostname));
        }
    }
}
