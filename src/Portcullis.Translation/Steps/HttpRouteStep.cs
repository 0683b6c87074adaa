namespace Portcullis.Translation.Steps;

using System.Globalization;
using Portcullis.Ir;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Routing;
using Portcullis.Translation.Status;

/// <summary>
/// Attaches each HTTPRoute to the listeners its parentRefs select and that accept it, reports one
/// RouteParentStatus per parentRef that names one of our Gateways, and expands the route into IR
/// routes (hostname x rule x match) on every listener it attached to.
/// </summary>
internal sealed class HttpRouteStep : ITranslationStep
{
    public void Run(TranslationContext context)
    {
        foreach (var route in context.Snapshot.HttpRoutes)
        {
            var rules = HttpRouteRules.Build(context.Index, route);
            var parents = new List<RouteParentStatus>();
            var attached = new HashSet<ListenerState>();
            foreach (var parentRef in route.Spec.ParentRefs)
            {
                if (!SnapshotIndex.IsGatewayApiGroup(parentRef.Group) || (parentRef.Kind ?? "Gateway") != "Gateway")
                {
                    continue;
                }

                var gwNs = parentRef.Namespace ?? route.Metadata.Namespace ?? "";
                var gateway = context.FindGateway(gwNs, parentRef.Name);
                if (gateway is null)
                {
                    continue; // not a Gateway of ours: its controller reports on it
                }

                var accepted = Attach(context, route, rules, gateway, parentRef, attached);
                List<Condition> conditions = [accepted, ResolvedRefs(route, rules)];
                if (rules.PartiallyInvalid && accepted.Status == ConditionStatus.True)
                {
                    conditions.Add(Conditions.True(ConditionTypes.PartiallyInvalid, rules.NotAcceptedReason ?? RouteReasons.UnsupportedValue,
                        "Dropped Rule(s): " + string.Join("; ", rules.UnsupportedValues), route.Metadata.Generation));
                }

                parents.Add(new RouteParentStatus
                {
                    ParentRef = parentRef with { Group = GatewayApiGroup.Name, Kind = "Gateway" },
                    ControllerName = context.Options.ControllerName,
                    Conditions = conditions,
                });
            }

            if (parents.Count > 0)
            {
                context.HttpRouteStatuses[route.Ref] = new HttpRouteStatus { Parents = parents };
            }
        }
    }

    private static Condition Attach(TranslationContext context, HttpRoute route, HttpRouteRules rules,
        GatewayState gateway, ParentReference parentRef, HashSet<ListenerState> attached)
    {
        var generation = route.Metadata.Generation;
        var routeNs = route.Metadata.Namespace ?? "";
        var gatewayNs = gateway.Gateway.Metadata.Namespace ?? "";

        // One pass, no intermediate lists: a route runs this for every listener of its Gateway (64 x 10,000
        // at scale), and the lists and LINQ iterators were most of what a translation allocated.
        bool selected = false, usable = false, allowed = false, any = false;
        foreach (var listener in gateway.Listeners)
        {
            if ((parentRef.SectionName is not null && listener.Spec.Name != parentRef.SectionName)
                || (parentRef.Port is not null && listener.Spec.Port != parentRef.Port))
            {
                continue;
            }

            selected = true;
            if (!listener.IsAccepted)
            {
                continue;
            }

            usable = true;
            if (!listener.AllowsHttpRoute || !RouteAdmission.AllowsNamespace(listener.Spec, gatewayNs, routeNs, context.Index))
            {
                continue;
            }

            allowed = true;
            var hostnames = Hostnames.Intersect(listener.Spec.Hostname, route.Spec.Hostnames);
            if (hostnames.Count == 0)
            {
                continue;
            }

            any = true;
            if (attached.Add(listener))
            {
                listener.AttachedRoutes++;
                AddRoutes(route, rules, listener, hostnames);
            }
        }

        if (!selected)
        {
            return Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingParent,
                $"Gateway {gateway.Key} has no listener{Describe(parentRef)}", generation);
        }

        if (!usable)
        {
            return Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingParent,
                $"no accepted listener{Describe(parentRef)} on Gateway {gateway.Key}", generation);
        }

        if (!allowed)
        {
            return Conditions.False(ConditionTypes.Accepted, RouteReasons.NotAllowedByListeners,
                $"no listener{Describe(parentRef)} of Gateway {gateway.Key} allows HTTPRoutes from namespace {routeNs}", generation);
        }

        if (!any)
        {
            return Conditions.False(ConditionTypes.Accepted, RouteReasons.NoMatchingListenerHostname,
                $"no hostname of the route intersects the hostname of a listener{Describe(parentRef)} of Gateway {gateway.Key}", generation);
        }

        return rules.UnsupportedValues.Count > 0 && !rules.PartiallyInvalid
            ? Conditions.False(ConditionTypes.Accepted, rules.NotAcceptedReason ?? RouteReasons.UnsupportedValue, string.Join("; ", rules.UnsupportedValues), generation)
            : Conditions.True(ConditionTypes.Accepted, RouteReasons.Accepted, "Route is accepted", generation);
    }

    private static Condition ResolvedRefs(HttpRoute route, HttpRouteRules rules) =>
        rules.ResolvedRefsReason is { } reason
            ? Conditions.False(ConditionTypes.ResolvedRefs, reason, string.Join("; ", rules.ResolvedRefsErrors), route.Metadata.Generation)
            : Conditions.True(ConditionTypes.ResolvedRefs, RouteReasons.ResolvedRefs, "All references are resolved", route.Metadata.Generation);

    private static void AddRoutes(HttpRoute route, HttpRouteRules rules, ListenerState listener, IReadOnlyList<string> hostnames)
    {
        var key = $"{route.Metadata.Namespace}/{route.Metadata.Name}";
        foreach (var hostname in hostnames)
        {
            foreach (var m in rules.Matches)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{key}/rule/{m.RuleName ?? m.RuleIndex.ToString(CultureInfo.InvariantCulture)}/match/{m.MatchIndex}");
                var config = new RouteConfig(name, hostname, m.Path, m.Headers, m.QueryParams, m.Method, m.Action);
                listener.Routes.Add(new RouteCandidate(config, route.Metadata.CreationTimestamp, key, m.RuleIndex, m.MatchIndex));
            }
        }
    }

    private static string Describe(ParentReference p) =>
        (p.SectionName, p.Port) switch
        {
            (null, null) => "",
            ({ } s, null) => $" named {s}",
            (null, { } port) => $" on port {port}",
            ({ } s, { } port) => $" named {s} on port {port}",
        };
}
