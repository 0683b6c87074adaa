namespace Portcullis.FunctionalTests.Conformance;

/// <summary>
/// Upstream's ListenerSet tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/listenerset-*.go), through the
/// real process: status from the admin endpoint, requests to the Gateway's address.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class ListenerSetTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string V1 = "infra-backend-v1";
    private const string V2 = "infra-backend-v2";
    private const string V3 = "infra-backend-v3";

    private static readonly string[] HttpRoute = ["HTTPRoute"];

    /// <summary>Upstream's generateAcceptedListenerConditions.</summary>
    private static readonly ExpectedCondition[] AcceptedListener =
        [new("ResolvedRefs", "True"), new("Accepted", "True"), new("Programmed", "True")];

    // listenerset-default-not-allowed.go
    [Fact]
    public async Task ListenerSetDefaultNotAllowed()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-default-not-allowed.yaml");
        const string gw = "gateway-default-does-not-allow-listenerset";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 0);
        await g.ListenerSetMustHaveConditionAsync("listenerset-default-not-allowed", Ns, new ExpectedCondition("Accepted", "False", "NotAllowed"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-default-not-allowed", Ns, new ExpectedCondition("Programmed", "False", "NotAllowed"));
    }

    // listenerset-allowed-namespace-same.go
    [Fact]
    public async Task ListenerSetAllowedNamespaceSame()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-allowed-namespace-same.yaml");
        const string gw = "gateway-allows-listenerset-in-same-namespace";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 1);
        await g.ListenerSetMustHaveConditionAsync("listenerset-in-same-namespace", Ns, new ExpectedCondition("Accepted", "True", "Accepted"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-in-same-namespace", Ns, new ExpectedCondition("Programmed", "True", "Programmed"));
        await g.ListenerSetListenersMustHaveConditionsAsync("listenerset-in-same-namespace", Ns, "listenerset-in-same-namespace-listener", AcceptedListener);

        const string otherNs = "gateway-api-listenerset-not-allowed-ns";
        await g.ListenerSetMustHaveConditionAsync("listenerset-in-different-namespace", otherNs, new ExpectedCondition("Accepted", "False", "NotAllowed"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-in-different-namespace", otherNs, new ExpectedCondition("Programmed", "False", "NotAllowed"));
    }

    // listenerset-hostname-conflict.go
    [Fact]
    public Task ListenerSetHostnameConflict() => ListenerSetConflictAsync("hostname", "HostnameConflict");

    // listenerset-http-routing.go
    [Fact]
    public async Task ListenerSetHTTPRouting()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-http-routing.yaml");
        const string gw = "gateway-with-listener-sets-http-routing";
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, "attaches-to-all-listeners", "gateway-route", "gateway-section-route");
        await g.GatewayMustHaveAttachedListenersAsync(gw, 2);

        const string ls1 = "listener-set-http-routing-1";
        foreach (var route in new[] { "attaches-to-all-listeners", "listener-set-http-routing-1-route", "listener-set-http-routing-1-section-route" })
        {
            await g.HTTPRouteMustHaveConditionAsync(route, Ns, ls1, new ExpectedCondition("Accepted", "True"));
        }

        await g.ListenerSetStatusMustHaveListenersAsync(ls1,
            new ExpectedListener("listener-set-http-routing-1-listener-1", HttpRoute, 3, AcceptedListener),
            new ExpectedListener("listener-set-http-routing-1-listener-2", HttpRoute, 2, AcceptedListener));

        const string ls2 = "listener-set-http-routing-2";
        foreach (var route in new[] { "attaches-to-all-listeners", "listener-set-http-routing-2-route" })
        {
            await g.HTTPRouteMustHaveConditionAsync(route, Ns, ls2, new ExpectedCondition("Accepted", "True"));
        }

        await g.ListenerSetStatusMustHaveListenersAsync(ls2,
            new ExpectedListener("listener-set-http-routing-2-listener-1", HttpRoute, 2, AcceptedListener),
            new ExpectedListener("listener-set-http-routing-2-listener-2", HttpRoute, 2, AcceptedListener));

        string[] gatewayHosts = ["gateway-listener-1.com", "gateway-listener-2.com"];
        string[] set1Hosts = ["listener-set-http-routing-1-listener-1.com", "listener-set-http-routing-1-listener-2.com"];
        string[] set2Hosts = ["listener-set-http-routing-2-listener-1.com", "listener-set-http-routing-2-listener-2.com"];
        string[] all = [.. gatewayHosts, .. set1Hosts, .. set2Hosts];
        var cases = new List<Expected>();
        cases.AddRange(all.Select(h => new Expected("/route", h, Backend: V1, Namespace: Ns)));
        cases.AddRange(all.Select(h => gatewayHosts.Contains(h) ? new Expected("/gateway-route", h, Backend: V2, Namespace: Ns) : new Expected("/gateway-route", h, Status: 404)));
        cases.AddRange(all.Select(h => h == "gateway-listener-1.com" ? new Expected("/gateway-section-route", h, Backend: V3, Namespace: Ns) : new Expected("/gateway-section-route", h, Status: 404)));
        cases.AddRange(all.Select(h => set1Hosts.Contains(h) ? new Expected("/listener-set-http-routing-1-route", h, Backend: V2, Namespace: Ns) : new Expected("/listener-set-http-routing-1-route", h, Status: 404)));
        cases.AddRange(all.Select(h => h == set1Hosts[0] ? new Expected("/listener-set-http-routing-1-section-route", h, Backend: V3, Namespace: Ns) : new Expected("/listener-set-http-routing-1-section-route", h, Status: 404)));
        cases.AddRange(all.Select(h => set2Hosts.Contains(h) ? new Expected("/listener-set-http-routing-2-route", h, Backend: V2, Namespace: Ns) : new Expected("/listener-set-http-routing-2-route", h, Status: 404)));
        await g.Requests.ExpectAllAsync(address, g.HttpPort, [.. cases]);
    }

    // listenerset-route-status-scoped-to-parentref.go
    [Fact]
    public async Task ListenerSetRouteStatusScopedToParentRef()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-route-status-scoped-to-parentref.yaml");
        const string gw = "gateway-parentref";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 1);
        await g.ListenerSetStatusMustHaveListenersAsync("listenerset-parentref",
            new ExpectedListener("listenerset-parentref-listener", HttpRoute, 1, AcceptedListener));

        await g.HTTPRouteMustHaveSingleParentAsync("route-parentref-gwonly", gw, new ExpectedCondition("Accepted", "True"));
        await g.EventuallyAsync(() => g.HTTPRouteAsync("route-parentref-lsonly"), o =>
        {
            var parents = o["status"]?["parents"]?.AsArray();
            var r = parents is { Count: 1 } ? parents[0]!["parentRef"] : null;
            return r is null ? $"expected exactly 1 parent, got {parents?.Count ?? 0}"
                : ((string?)r["group"], (string?)r["kind"], (string?)r["namespace"], (string?)r["name"]) != ("gateway.networking.k8s.io", "ListenerSet", Ns, "listenerset-parentref")
                    ? $"parentRef should be the ListenerSet, got {r.ToJsonString()}"
                    : StatusExpectations.CheckConditions(parents![0]!["conditions"], [new("Accepted", "True")]);
        }, "HTTPRoute route-parentref-lsonly to have exactly the ListenerSet parent");
    }

    // listenerset-gateway-parent-section-name-not-found.go
    [Fact]
    public async Task ListenerSetGatewayParentSectionNameNotFound()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-gateway-parent-section-name-not-found.yaml");
        const string gw = "gateway-section-name";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 1);
        await g.HTTPRouteMustHaveConditionAsync("route-via-listenerset", Ns, "listenerset-section-name", new ExpectedCondition("Accepted", "True"));
        await g.HTTPRouteMustHaveConditionAsync("route-via-gateway", Ns, gw, new ExpectedCondition("Accepted", "False", "NoMatchingParent"));
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, Array.Empty<string>());
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/goodsection", "ls-section-name.com", Backend: V1, Namespace: Ns),
            new Expected("/badsection", "gw-section.com", Status: 404));
    }

    // listenerset-dual-parentref-independence.go
    [Fact]
    public async Task ListenerSetDualParentRefIndependence()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-dual-parentref-independence.yaml");
        const string gw = "gateway-dual-parentref";
        const string ls = "ls-dual-parentref";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 1);
        await g.ListenerSetStatusMustHaveListenersAsync(ls, new ExpectedListener("ls-dual-parentref-listener", HttpRoute, 2, AcceptedListener));
        await g.HTTPRouteMustHaveConditionAsync("route-dual-parentref-both", Ns, gw, new ExpectedCondition("Accepted", "True"));
        await g.HTTPRouteMustHaveConditionAsync("route-dual-parentref-both", Ns, ls, new ExpectedCondition("Accepted", "True"));
        await g.HTTPRouteMustHaveConditionAsync("route-dual-parentref-one", Ns, gw, new ExpectedCondition("Accepted", "False", "NoMatchingParent"));
        await g.HTTPRouteMustHaveConditionAsync("route-dual-parentref-one", Ns, ls, new ExpectedCondition("Accepted", "True"));
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, Array.Empty<string>());
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/dualboth", "gw-dual.com", Backend: V1, Namespace: Ns),
            new Expected("/dualboth", "ls-dual.com", Backend: V1, Namespace: Ns),
            new Expected("/dualone", "ls-dual.com", Backend: V2, Namespace: Ns),
            new Expected("/dualone", "gw-dual.com", Status: 404));
    }

    // listenerset-allowed-namespace-none.go
    [Fact]
    public async Task ListenerSetAllowedNamespaceNone()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-allowed-namespace-none.yaml");
        const string gw = "gateway-does-not-allow-listenerset";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 0);
        await g.ListenerSetMustHaveConditionAsync("listenerset-not-allowed", Ns, new ExpectedCondition("Accepted", "False", "NotAllowed"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-not-allowed", Ns, new ExpectedCondition("Programmed", "False", "NotAllowed"));
    }

    // listenerset-allowed-namespace-selector.go
    [Fact]
    public async Task ListenerSetAllowedNamespaceSelector()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-allowed-namespace-selector.yaml");
        const string gw = "gateway-allows-listenerset-in-selected-namespace";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 1);
        const string allowedNs = "gateway-api-listenerset-selector-allowed-ns";
        await g.ListenerSetMustHaveConditionAsync("listenerset-in-selected-namespace", allowedNs, new ExpectedCondition("Accepted", "True", "Accepted"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-in-selected-namespace", allowedNs, new ExpectedCondition("Programmed", "True", "Programmed"));
        await g.ListenerSetListenersMustHaveConditionsAsync("listenerset-in-selected-namespace", allowedNs, "listenerset-in-selected-namespace-listener", AcceptedListener);

        const string otherNs = "gateway-api-listenerset-selector-not-allowed-ns";
        await g.ListenerSetMustHaveConditionAsync("listenerset-not-in-selected-namespace", otherNs, new ExpectedCondition("Accepted", "False", "NotAllowed"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-not-in-selected-namespace", otherNs, new ExpectedCondition("Programmed", "False", "NotAllowed"));
    }

    // listenerset-allowed-routes-supported-kinds.go
    [Fact]
    public async Task ListenerSetAllowedRoutesSupportedKinds()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-allowed-routes-supported-kinds.yaml");
        await g.GatewayMustHaveConditionAsync("gateway-with-listener-sets-test-supported-route-kinds", new ExpectedCondition("Accepted", "True"));
        await g.ListenerSetListenersMustHaveConditionsAsync("listenerset-test-allowed-routes-supported-kinds", Ns, "listener-set-listener-allowed-routes-tls-only",
            new ExpectedCondition("ResolvedRefs", "False", "InvalidRouteKinds"));
    }

    // listenerset-protocol-conflict.go
    [Fact]
    public Task ListenerSetProtocolConflict() => ListenerSetConflictAsync("protocol", "ProtocolConflict");

    // listenerset-reference-grant.go
    [Fact]
    public async Task ListenerSetReferenceGrant()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-reference-grant.yaml");
        await g.GatewayMustHaveConditionAsync("gateway-with-listener-sets-test-reference-grant", new ExpectedCondition("Accepted", "True"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-with-reference-grant", Ns, new ExpectedCondition("Accepted", "True"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-with-reference-grant", Ns, new ExpectedCondition("Programmed", "True"));
        await g.ListenerSetListenersMustHaveConditionsAsync("listenerset-with-reference-grant", Ns, "listenerset-with-reference-grant-listener",
            new ExpectedCondition("ResolvedRefs", "True"));

        const string otherNs = "gateway-api-listener-sets-test-reference-grant-ns";
        await g.ListenerSetMustHaveConditionAsync("listenerset-without-reference-grant", otherNs, new ExpectedCondition("Accepted", "False", "ListenersNotValid"));
        await g.ListenerSetMustHaveConditionAsync("listenerset-without-reference-grant", otherNs, new ExpectedCondition("Programmed", "False", "ListenersNotValid"));
        await g.ListenerSetListenersMustHaveConditionsAsync("listenerset-without-reference-grant", otherNs, "listenerset-without-reference-grant-listener",
            new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted"));
    }

    // listenerset-allowed-routes-namespaces.go: allowedRoutes All/Same/Selector on a ListenerSet's listeners, Same
    // meaning the ListenerSet's namespace even when that is not the Gateway's.
    [Fact]
    public async Task ListenerSetAllowedRoutesNamespaces()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "listenerset-allowed-routes-namespaces.yaml");
        const string gw = "gateway-with-listener-sets-test-allowed-routes";
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, Array.Empty<string>());
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 2);

        // Same-namespace ListenerSet
        const string ls = "listenerset-test-allowed-routes-namespaces";
        (string Name, string Namespace)[] routes =
            [("route-in-same-namespace", Ns), ("route-in-selected-namespace", "gateway-api-routes-allowed-ns"), ("route-not-in-selected-namespace", "gateway-api-routes-not-allowed-ns")];
        await g.ListenerSetMustHaveConditionAsync(ls, Ns, new ExpectedCondition("Accepted", "True"));
        foreach (var (route, routeNs) in routes)
        {
            await g.HTTPRouteMustHaveConditionAsync(route, routeNs, ls, new ExpectedCondition("Accepted", "True", "Accepted"));
        }

        await g.ListenerSetStatusMustHaveListenersAsync(ls,
            new ExpectedListener("listener-set-listener-allowed-routes-all", HttpRoute, 3, AcceptedListener),
            new ExpectedListener("listener-set-listener-allowed-routes-same", HttpRoute, 1, AcceptedListener),
            new ExpectedListener("listener-set-listener-allowed-routes-selector", HttpRoute, 1, AcceptedListener));
        const string all = "listener-set-listener-allowed-routes-all.com";
        const string same = "listener-set-listener-allowed-routes-same.com";
        const string selector = "listener-set-listener-allowed-routes-selector.com";
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/route-in-same-namespace", all, Backend: V1, Namespace: Ns),
            new Expected("/route-in-selected-namespace", all, Backend: V2, Namespace: Ns),
            new Expected("/route-not-in-selected-namespace", all, Backend: V3, Namespace: Ns),
            new Expected("/route-in-same-namespace", same, Backend: V1, Namespace: Ns),
            new Expected("/route-in-selected-namespace", same, Status: 404),
            new Expected("/route-not-in-selected-namespace", same, Status: 404),
            new Expected("/route-in-same-namespace", selector, Status: 404),
            new Expected("/route-in-selected-namespace", selector, Backend: V2, Namespace: Ns),
            new Expected("/route-not-in-selected-namespace", selector, Status: 404));

        // Cross-namespace ListenerSet: its listener's "Same" is the ListenerSet's namespace, not the Gateway's.
        const string lsNs = "gateway-api-ls-cross-ns";
        const string crossLs = "listenerset-test-allowed-routes-cross-ns";
        await g.ListenerSetMustHaveConditionAsync(crossLs, lsNs, new ExpectedCondition("Accepted", "True"));
        await g.HTTPRouteMustHaveConditionAsync("route-in-listenerset-namespace", lsNs, crossLs, new ExpectedCondition("Accepted", "True", "Accepted"), lsNs);
        await g.HTTPRouteMustHaveConditionAsync("route-in-gateway-namespace", Ns, crossLs, new ExpectedCondition("Accepted", "False", "NotAllowedByListeners"), lsNs);
        await g.ListenerSetStatusMustHaveListenersAsync(crossLs, lsNs,
            new ExpectedListener("listener-set-listener-allowed-routes-cross-ns-same", HttpRoute, 1, AcceptedListener));
        const string crossHost = "listener-set-listener-allowed-routes-cross-ns-same.com";
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/route-in-listenerset-namespace", crossHost, Backend: V1, Namespace: Ns),
            new Expected("/route-in-gateway-namespace", crossHost, Status: 404));
    }

    /// <summary>
    /// Upstream's two conflict tests have the same shape: in listenerset-KIND-conflict.yaml, the Gateway's own listeners
    /// win, then the ListenerSet first by name; a ListenerSet left without a valid listener is not accepted.
    /// </summary>
    private async Task ListenerSetConflictAsync(string kind, string reason)
    {
        ExpectedCondition[] conflicted = [new("Accepted", "False", reason), new("Programmed", "False", reason), new("Conflicted", "True", reason)];
        await using var g = await ConformanceGateway.StartAsync(suite, $"listenerset-{kind}-conflict.yaml");
        var gw = $"gateway-with-listenerset-{kind}-conflict";
        var withGateway = $"{kind}-conflict-with-gateway-listener";
        var withSet = $"{kind}-conflict-with-listener-set-listener";
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True"));
        await g.GatewayStatusMustHaveListenersAsync(gw,
            new ExpectedListener("gateway-listener", HttpRoute, 0, AcceptedListener),
            new ExpectedListener(withGateway, HttpRoute, 0, AcceptedListener));
        await g.GatewayMustHaveAttachedListenersAsync(gw, 2);

        var gw1 = $"listenerset-with-{kind}-conflict-with-gateway-1";
        await g.ListenerSetMustHaveConditionAsync(gw1, Ns, new ExpectedCondition("Accepted", "True"));
        await g.ListenerSetMustHaveConditionAsync(gw1, Ns, new ExpectedCondition("Programmed", "True", "Programmed"));
        await g.ListenerSetListenersMustHaveConditionsAsync(gw1, Ns, "listener-set-1-listener", AcceptedListener);
        await g.ListenerSetListenersMustHaveConditionsAsync(gw1, Ns, withGateway, conflicted);
        await g.ListenerSetListenersMustHaveConditionsAsync(gw1, Ns, withSet, AcceptedListener);

        var gw2 = $"listenerset-with-{kind}-conflict-with-gateway-2";
        await g.ListenerSetMustHaveConditionAsync(gw2, Ns, new ExpectedCondition("Accepted", "False", "ListenersNotValid"));
        await g.ListenerSetMustHaveConditionAsync(gw2, Ns, new ExpectedCondition("Programmed", "False", "ListenersNotValid"));
        await g.ListenerSetListenersMustHaveConditionsAsync(gw2, Ns, withGateway, conflicted);

        var ls1 = $"listenerset-with-{kind}-conflict-with-listener-set-1";
        await g.ListenerSetMustHaveConditionAsync(ls1, Ns, new ExpectedCondition("Accepted", "True"));
        await g.ListenerSetMustHaveConditionAsync(ls1, Ns, new ExpectedCondition("Programmed", "True", "Programmed"));
        await g.ListenerSetListenersMustHaveConditionsAsync(ls1, Ns, "listener-set-2-listener", AcceptedListener);
        await g.ListenerSetListenersMustHaveConditionsAsync(ls1, Ns, withSet, conflicted);

        var ls2 = $"listenerset-with-{kind}-conflict-with-listener-set-2";
        await g.ListenerSetMustHaveConditionAsync(ls2, Ns, new ExpectedCondition("Accepted", "False", "ListenersNotValid"));
        await g.ListenerSetMustHaveConditionAsync(ls2, Ns, new ExpectedCondition("Programmed", "False", "ListenersNotValid"));
        await g.ListenerSetListenersMustHaveConditionsAsync(ls2, Ns, withSet, conflicted);
    }
}
