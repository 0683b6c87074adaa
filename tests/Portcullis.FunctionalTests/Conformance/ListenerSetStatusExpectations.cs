namespace Portcullis.FunctionalTests.Conformance;

using System.Text.Json.Nodes;

/// <summary>Upstream's ListenerSet helpers (conformance/utils/kubernetes) over the admin endpoint's JSON.</summary>
internal static class ListenerSetStatusExpectations
{
    public static Task<JsonNode> ListenerSetAsync(this ConformanceGateway g, string name, string ns = ConformanceSuite.InfraNamespace) =>
        g.Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/listenersets/{name}");

    /// <summary>GatewayMustHaveAttachedListeners: status.attachedListenerSets (absent counts as 0), conditions of the latest generation.</summary>
    public static Task GatewayMustHaveAttachedListenersAsync(this ConformanceGateway g, string gateway, int expected) =>
        g.EventuallyAsync(() => g.GatewayAsync(gateway), o =>
            StatusExpectations.LatestGeneration(o, o["status"]?["conditions"])
            ?? ((int?)o["status"]?["attachedListenerSets"] ?? 0) switch
            {
                var n when n == expected => null,
                var n => $"attachedListenerSets {n}, expected {expected}",
            },
            $"Gateway {gateway} to have {expected} attached ListenerSets");

    /// <summary>ListenerSetMustHaveCondition: the ListenerSet has the condition, with the latest observedGeneration.</summary>
    public static Task ListenerSetMustHaveConditionAsync(this ConformanceGateway g, string name, string ns, ExpectedCondition condition) =>
        g.EventuallyAsync(() => g.ListenerSetAsync(name, ns),
            o => StatusExpectations.CheckConditions(o["status"]?["conditions"], [condition]) ?? StatusExpectations.LatestGeneration(o, o["status"]?["conditions"]),
            $"ListenerSet {ns}/{name} to have {condition}");

    /// <summary>ListenerSetListenersMustHaveConditions: the named listener's status has every condition.</summary>
    public static Task ListenerSetListenersMustHaveConditionsAsync(this ConformanceGateway g, string name, string ns, string listener, params ExpectedCondition[] conditions) =>
        g.EventuallyAsync(() => g.ListenerSetAsync(name, ns), o =>
        {
            var status = o["status"]?["listeners"]?.AsArray().FirstOrDefault(l => (string?)l!["name"] == listener);
            return status is null ? $"no status for listener {listener}" : StatusExpectations.CheckConditions(status["conditions"], conditions);
        }, $"ListenerSet {ns}/{name} listener {listener} to have {string.Join(", ", conditions.Select(c => c.ToString()))}");

    /// <summary>ListenerSetStatusMustHaveListeners: exactly these listeners, each with its kinds, attachedRoutes and conditions.</summary>
    public static Task ListenerSetStatusMustHaveListenersAsync(this ConformanceGateway g, string name, params ExpectedListener[] expected) =>
        g.ListenerSetStatusMustHaveListenersAsync(name, ConformanceSuite.InfraNamespace, expected);

    /// <summary>ListenerSetStatusMustHaveListeners for a ListenerSet outside the infra namespace.</summary>
    public static Task ListenerSetStatusMustHaveListenersAsync(this ConformanceGateway g, string name, string ns, params ExpectedListener[] expected) =>
        g.EventuallyAsync(() => g.ListenerSetAsync(name, ns), o =>
        {
            var actual = o["status"]?["listeners"]?.AsArray() ?? [];
            if (actual.Count != expected.Length)
            {
                return $"expected {expected.Length} listeners, got {actual.Count}";
            }

            foreach (var e in expected)
            {
                var a = actual.FirstOrDefault(l => (string?)l!["name"] == e.Name);
                var kinds = a?["supportedKinds"]?.AsArray().Select(k => (string?)k!["kind"]).ToList() ?? [];
                var problem = a is null ? "no status"
                    : e.SupportedKinds.FirstOrDefault(k => !kinds.Contains(k)) is { } missing ? $"supportedKinds lacks {missing}"
                    : (int?)a["attachedRoutes"] != e.AttachedRoutes ? $"attachedRoutes {a["attachedRoutes"]}, expected {e.AttachedRoutes}"
                    : StatusExpectations.CheckConditions(a["conditions"], e.Conditions);
                if (problem is not null)
                {
                    return $"listener {e.Name}: {problem}";
                }
            }

            return null;
        }, $"ListenerSet {ns}/{name} listener status");
}
