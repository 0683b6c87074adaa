namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;
using System.Text.Json.Nodes;

/// <summary>A status condition to expect; a null Reason means any reason, as upstream's empty Reason does.</summary>
internal sealed record ExpectedCondition(string Type, string Status, string? Reason = null)
{
    public override string ToString() => $"{Type}={Status}{(Reason is null ? "" : "/" + Reason)}";
}

/// <summary>A listener status to expect: supportedKinds (HTTPRoute-style kinds of the Gateway API group) must be present, conditions must match, attachedRoutes must be equal.</summary>
internal sealed record ExpectedListener(string Name, string[] SupportedKinds, int AttachedRoutes, params ExpectedCondition[] Conditions);

/// <summary>
/// Upstream's conformance/utils/kubernetes helpers over our admin endpoint's JSON: each polls until the status
/// says what it should, and fails with what it last saw.
/// </summary>
internal static class StatusExpectations
{
    private const string GatewayGroup = "gateway.networking.k8s.io";
    private const string Infra = ConformanceSuite.InfraNamespace;

    /// <summary>
    /// GatewayAndHTTPRoutesMustBeAccepted: the Gateway is programmed with an address and every route has an
    /// Accepted=True parent status for it with the latest observedGeneration. Returns the Gateway's address.
    /// </summary>
    public static async Task<string> GatewayAndHTTPRoutesMustBeAcceptedAsync(this ConformanceGateway g, string gateway, params (string Name, string Namespace)[] routes)
    {
        var gw = await g.EventuallyAsync(() => g.GatewayAsync(gateway), o =>
            Address(o) is null ? "no status.addresses[0].value"
            : CheckConditions(o["status"]?["conditions"], [new("Programmed", "True")]) ?? LatestGeneration(o, o["status"]?["conditions"]),
            $"Gateway {gateway} to be programmed with an address");
        foreach (var (name, ns) in routes)
        {
            await g.HTTPRouteMustHaveConditionAsync(name, ns, gateway, new ExpectedCondition("Accepted", "True"));
        }

        return Address(gw)!;
    }

    public static Task<string> GatewayAndHTTPRoutesMustBeAcceptedAsync(this ConformanceGateway g, string gateway, params string[] infraRoutes) =>
        g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gateway, infraRoutes.Select(r => (r, Infra)).ToArray());

    /// <summary>
    /// HTTPRouteMustHaveCondition: the route's parent status for the parent (in the infra namespace unless given) has
    /// the condition, with the latest observedGeneration.
    /// </summary>
    public static Task HTTPRouteMustHaveConditionAsync(this ConformanceGateway g, string route, string routeNamespace, string gateway, ExpectedCondition condition, string parentNamespace = Infra) =>
        g.EventuallyAsync(() => g.HTTPRouteAsync(route, routeNamespace), o =>
        {
            var parent = ParentFor(o, routeNamespace, gateway, parentNamespace);
            return parent is null ? $"no status.parents entry for {parentNamespace}/{gateway} with controllerName {ConformanceGateway.ControllerName}"
                : CheckConditions(parent["conditions"], [condition]) ?? LatestGeneration(o, parent["conditions"]);
        }, $"HTTPRoute {routeNamespace}/{route} to have {condition} for parent {parentNamespace}/{gateway}");

    public static Task HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(this ConformanceGateway g, string route, string routeNamespace, string gateway) =>
        g.HTTPRouteMustHaveConditionAsync(route, routeNamespace, gateway, new ExpectedCondition("ResolvedRefs", "True", "ResolvedRefs"));

    /// <summary>HTTPRouteMustHaveParents with one expected parent: parentRef group/kind/namespace/name echoed in full, controllerName, conditions.</summary>
    public static Task HTTPRouteMustHaveSingleParentAsync(this ConformanceGateway g, string route, string gateway, params ExpectedCondition[] conditions) =>
        g.EventuallyAsync(() => g.HTTPRouteAsync(route), o =>
        {
            var parents = o["status"]?["parents"]?.AsArray();
            if (parents is null || parents.Count != 1)
            {
                return $"expected exactly 1 parent, got {parents?.Count ?? 0}";
            }

            var p = parents[0]!;
            var r = p["parentRef"];
            if ((string?)r?["group"] != GatewayGroup || (string?)r?["kind"] != "Gateway" || (string?)r?["namespace"] != Infra || (string?)r?["name"] != gateway)
            {
                return $"parentRef should be {GatewayGroup}/Gateway {Infra}/{gateway}, got {r?.ToJsonString()}";
            }

            return (string?)p["controllerName"] != ConformanceGateway.ControllerName ? "wrong controllerName"
                : CheckConditions(p["conditions"], conditions) ?? LatestGeneration(o, p["conditions"]);
        }, $"HTTPRoute {route} to have exactly the parent {gateway}");

    /// <summary>HTTPRouteMustHaveNoAcceptedParents: no parents, or one whose Accepted is False.</summary>
    public static async Task HTTPRouteMustHaveNoAcceptedParentsAsync(this ConformanceGateway g, string route, string routeNamespace)
    {
        // An empty list could be "not written yet": like upstream, only believe it on the second look.
        var emptySeen = false;
        await g.EventuallyAsync(() => g.HTTPRouteAsync(route, routeNamespace), o =>
        {
            var parents = o["status"]?["parents"]?.AsArray() ?? [];
            if (parents.Count == 0)
            {
                var ok = emptySeen;
                emptySeen = true;
                return ok ? null : "empty parents seen once";
            }

            return parents.Count > 1 ? $"expected at most 1 parent, got {parents.Count}"
                : LatestGeneration(o, parents[0]!["conditions"]) ?? CheckConditions(parents[0]!["conditions"], [new("Accepted", "False")]);
        }, $"HTTPRoute {routeNamespace}/{route} to have no accepted parents");
    }

    /// <summary>GatewayMustHaveZeroRoutes: every listener reports attachedRoutes 0.</summary>
    public static Task GatewayMustHaveZeroRoutesAsync(this ConformanceGateway g, string gateway) =>
        g.EventuallyAsync(() => g.GatewayAsync(gateway), o =>
        {
            var listeners = o["status"]?["listeners"]?.AsArray();
            if (listeners is null || listeners.Count == 0)
            {
                return "no listener status";
            }

            var attached = listeners.Sum(l => (int?)l!["attachedRoutes"] ?? 0);
            return attached == 0 ? null : $"{attached} routes attached";
        }, $"Gateway {gateway} to have zero attached routes");

    /// <summary>GatewayStatusMustHaveListeners: the same number of listeners; each expected one present and matching.</summary>
    public static Task GatewayStatusMustHaveListenersAsync(this ConformanceGateway g, string gateway, params ExpectedListener[] expected) =>
        g.EventuallyAsync(() => g.GatewayAsync(gateway), o =>
        {
            if (LatestGeneration(o, o["status"]?["conditions"]) is { } stale)
            {
                return stale;
            }

            var actual = o["status"]?["listeners"]?.AsArray() ?? [];
            if (actual.Count != expected.Length)
            {
                return $"expected {expected.Length} listeners, got {actual.Count}";
            }

            foreach (var e in expected)
            {
                var a = actual.FirstOrDefault(l => (string?)l!["name"] == e.Name);
                if (a is null)
                {
                    return $"no status for listener {e.Name}";
                }

                var kinds = a["supportedKinds"]?.AsArray().Select(k => ((string?)k!["group"] ?? GatewayGroup, (string?)k["kind"])).ToList() ?? [];
                if (e.SupportedKinds.Length == 0 && kinds.Count != 0)
                {
                    return $"listener {e.Name}: supportedKinds should be empty, got {a["supportedKinds"]!.ToJsonString()}";
                }

                if (e.SupportedKinds.FirstOrDefault(k => !kinds.Contains((GatewayGroup, k))) is { } missing)
                {
                    return $"listener {e.Name}: supportedKinds lacks {missing}";
                }

                if ((int?)a["attachedRoutes"] != e.AttachedRoutes)
                {
                    return $"listener {e.Name}: attachedRoutes {a["attachedRoutes"]}, expected {e.AttachedRoutes}";
                }

                if (CheckConditions(a["conditions"], e.Conditions) is { } bad)
                {
                    return $"listener {e.Name}: {bad}";
                }
            }

            return null;
        }, $"Gateway {gateway} listener status");

    /// <summary>GatewayMustHaveCondition: the Gateway has the condition, with the latest observedGeneration.</summary>
    public static Task GatewayMustHaveConditionAsync(this ConformanceGateway g, string gateway, ExpectedCondition condition) =>
        g.EventuallyAsync(() => g.GatewayAsync(gateway),
            o => CheckConditions(o["status"]?["conditions"], [condition]) ?? LatestGeneration(o, o["status"]?["conditions"]),
            $"Gateway {gateway} to have {condition}");

    /// <summary>GatewayMustHaveLatestConditions: every Gateway condition has observedGeneration = metadata.generation. Returns the Gateway.</summary>
    public static Task<JsonNode> GatewayMustHaveLatestConditionsAsync(this ConformanceGateway g, string gateway) =>
        g.EventuallyAsync(() => g.GatewayAsync(gateway), o => LatestGeneration(o, o["status"]?["conditions"]), $"Gateway {gateway} conditions at the latest generation");

    /// <summary>HTTPRouteMustHaveLatestConditions: every parent's conditions have the latest observedGeneration. Returns the route.</summary>
    public static Task<JsonNode> HTTPRouteMustHaveLatestConditionsAsync(this ConformanceGateway g, string route) =>
        g.EventuallyAsync(() => g.HTTPRouteAsync(route), o =>
        {
            var parents = o["status"]?["parents"]?.AsArray() ?? [];
            return parents.Count == 0 ? "no parents" : parents.Select(p => LatestGeneration(o, p!["conditions"])).FirstOrDefault(m => m is not null);
        }, $"HTTPRoute {route} conditions at the latest generation");

    /// <summary>GWCMustHaveAcceptedConditionAny + GatewayClassMustHaveLatestConditions. Returns the GatewayClass.</summary>
    public static Task<JsonNode> GatewayClassMustBeAcceptedWithLatestConditionsAsync(this ConformanceGateway g, string gatewayClass) =>
        g.EventuallyAsync(() => g.GatewayClassAsync(gatewayClass), o =>
            CheckConditions(o["status"]?["conditions"], [new("Accepted", "True")]) ?? LatestGeneration(o, o["status"]?["conditions"]),
            $"GatewayClass {gatewayClass} accepted at the latest generation");

    public static long Generation(JsonNode o) => (long?)o["metadata"]?["generation"] ?? 0;

    private static string? Address(JsonNode gw) => (string?)gw["status"]?["addresses"]?.AsArray().FirstOrDefault()?["value"];

    private static JsonNode? ParentFor(JsonNode route, string routeNamespace, string gateway, string parentNamespace) =>
        route["status"]?["parents"]?.AsArray().FirstOrDefault(p =>
            (string?)p!["parentRef"]?["name"] == gateway
            && ((string?)p["parentRef"]?["namespace"] ?? routeNamespace) == parentNamespace
            && (string?)p["controllerName"] == ConformanceGateway.ControllerName);

    /// <summary>Null when every expected condition is present with its status (and reason, when given).</summary>
    internal static string? CheckConditions(JsonNode? conditions, IEnumerable<ExpectedCondition> expected)
    {
        var actual = conditions?.AsArray() ?? [];
        foreach (var e in expected)
        {
            var c = actual.FirstOrDefault(c => (string?)c!["type"] == e.Type);
            if (c is null || (string?)c["status"] != e.Status || (e.Reason is not null && (string?)c["reason"] != e.Reason))
            {
                return $"expected condition {e}, got {(c is null ? "none" : $"{c["type"]}={c["status"]}/{c["reason"]}")}";
            }
        }

        return null;
    }

    internal static string? LatestGeneration(JsonNode obj, JsonNode? conditions)
    {
        var generation = Generation(obj);
        var stale = (conditions?.AsArray() ?? []).FirstOrDefault(c => (long?)c!["observedGeneration"] != generation);
        return stale is null ? null
            : $"condition {stale["type"]} has observedGeneration {stale["observedGeneration"]?.ToJsonString() ?? "none"}, metadata.generation is {generation.ToString(CultureInfo.InvariantCulture)}";
    }
}
