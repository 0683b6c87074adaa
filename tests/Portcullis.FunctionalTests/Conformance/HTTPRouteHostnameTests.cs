namespace Portcullis.FunctionalTests.Conformance;

/// <summary>Upstream's hostname tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/): route hostnames against listener hostnames, HTTPS listeners.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteHostnameTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string V1 = "infra-backend-v1";
    private const string V2 = "infra-backend-v2";
    private const string V3 = "infra-backend-v3";

    private static readonly string[] HttpRoute = ["HTTPRoute"];

    // httproute-hostname-intersection.go
    [Fact]
    public async Task HTTPRouteHostnameIntersection()
    {
        const string gw = "httproute-hostname-intersection";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-hostname-intersection.yaml");

        // HTTPRoutes that do intersect with listener hostnames
        string[] routes = ["specific-host-matches-listener-specific-host", "specific-host-matches-listener-wildcard-host", "wildcard-host-matches-listener-specific-host", "wildcard-host-matches-listener-wildcard-host"];
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, routes);
        foreach (var r in routes)
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(r, Ns, gw);
        }

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/s1", "very.specific.com", Backend: V1, Namespace: Ns),
            new Expected("/s1", "very.specific.com:1234", Backend: V1, Namespace: Ns),
            new Expected("/s1", "non.matching.com", Status: 404),
            new Expected("/s1", "foo.nonmatchingwildcard.io", Status: 404),
            new Expected("/s1", "foo.wildcard.io", Status: 404),
            new Expected("/non-matching-prefix", "very.specific.com", Status: 404),
            new Expected("/s2", "foo.wildcard.io", Backend: V2, Namespace: Ns),
            new Expected("/s2", "bar.wildcard.io", Backend: V2, Namespace: Ns),
            new Expected("/s2", "foo.bar.wildcard.io", Backend: V2, Namespace: Ns),
            new Expected("/s2", "non.matching.com", Status: 404),
            new Expected("/s2", "wildcard.io", Status: 404),
            new Expected("/s2", "very.specific.com", Status: 404),
            new Expected("/non-matching-prefix", "foo.wildcard.io", Status: 404),
            new Expected("/s3", "very.specific.com", Backend: V3, Namespace: Ns),
            new Expected("/s3", "non.matching.com", Status: 404),
            new Expected("/s3", "foo.specific.com", Status: 404),
            new Expected("/s3", "foo.wildcard.io", Status: 404),
            new Expected("/non-matching-prefix", "very.specific.com", Status: 404),
            new Expected("/s4", "foo.anotherwildcard.io", Backend: V1, Namespace: Ns),
            new Expected("/s4", "bar.anotherwildcard.io", Backend: V1, Namespace: Ns),
            new Expected("/s4", "foo.bar.anotherwildcard.io", Backend: V1, Namespace: Ns),
            new Expected("/s4", "anotherwildcard.io", Status: 404),
            new Expected("/s4", "foo.wildcard.io", Status: 404),
            new Expected("/s4", "very.specific.com", Status: 404),
            new Expected("/non-matching-prefix", "foo.anotherwildcard.io", Status: 404));

        // HTTPRoutes that do not intersect with listener hostnames
        await g.HTTPRouteMustHaveSingleParentAsync("no-intersecting-hosts", gw, new ExpectedCondition("Accepted", "False", "NoMatchingListenerHostname"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/s5", "specific.but.wrong.com", Status: 404),
            new Expected("/s5", "wildcard.io", Status: 404));

        // HTTPRoutes have to be counted in AttachedRoutes only if they are Accepted
        ExpectedCondition[] ok = [new("Accepted", "True"), new("ResolvedRefs", "True")];
        await g.GatewayStatusMustHaveListenersAsync(gw,
            new ExpectedListener("listener-1", HttpRoute, 2, ok),
            new ExpectedListener("listener-2", HttpRoute, 1, ok),
            new ExpectedListener("listener-3", HttpRoute, 1, ok));

        // HTTPRoutes intersects with an unspecified hostname listener
        const string all = "httproute-hostname-intersection-all";
        var allAddress = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(all, all);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(all, Ns, all);
        await g.Requests.ExpectAllAsync(allAddress, g.HttpPort,
            new Expected("/", "first.com", Backend: V2, Namespace: Ns),
            new Expected("/", "sub.first.com", Backend: V2, Namespace: Ns),
            new Expected("/", "second.com", Backend: V2, Namespace: Ns),
            new Expected("/", "sub.second.com", Backend: V2, Namespace: Ns),
            new Expected("/", "third.com", Status: 404, Namespace: Ns),
            new Expected("/", "sub.third.com", Status: 404, Namespace: Ns));
    }

    // httproute-listener-hostname-matching.go
    [Fact]
    public async Task HTTPRouteListenerHostnameMatching()
    {
        const string gw = "httproute-listener-hostname-matching";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-listener-hostname-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, "backend-v1", "backend-v2", "backend-v3");
        foreach (var r in new[] { "backend-v1", "backend-v2", "backend-v3" })
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(r, Ns, gw);
        }

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/", "bar.com", Backend: V1, Namespace: Ns),
            new Expected("/", "foo.bar.com", Backend: V2, Namespace: Ns),
            new Expected("/", "baz.bar.com", Backend: V3, Namespace: Ns),
            new Expected("/", "boo.bar.com", Backend: V3, Namespace: Ns),
            new Expected("/", "multiple.prefixes.bar.com", Backend: V3, Namespace: Ns),
            new Expected("/", "multiple.prefixes.foo.com", Backend: V3, Namespace: Ns),
            new Expected("/", "foo.com", Status: 404),
            new Expected("/", "no.matching.host", Status: 404));
    }

    // httproute-https-listener.go
    [Fact]
    public async Task HTTPRouteHTTPSListener()
    {
        const string gw = "same-namespace-with-https-listener";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-https-listener.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, "httproute-https-test", "httproute-https-test-no-hostname");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("httproute-https-test", Ns, gw);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("httproute-https-test-no-hostname", Ns, gw);

        await g.Requests.ExpectAllAsync(address, g.HttpsPort, "https",
            new Expected("/", "example.org", Backend: V1, Namespace: Ns),
            new Expected("/", "unknown-example.org", Status: 404, Namespace: Ns),
            new Expected("/", "second-example.org", Backend: V2, Namespace: Ns));
    }

    // httproute-https-listener-detect-misdirected-requests.go: over HTTP/2, a Host that would have selected a
    // different listener than the SNI gets 421 Misdirected Request.
    [Fact]
    public async Task HTTPRouteHTTPSListenerDetectMisdirectedRequests()
    {
        const string gw = "same-namespace-with-https-listener";
        var routes = Enumerable.Range(1, 4).Select(i => $"https-listener-detect-misdirected-requests-test-{i}").ToArray();
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-https-listener-detect-misdirected-requests.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, routes);
        foreach (var r in routes)
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(r, Ns, gw);
        }

        static Expected Case(string serverName, string host, int status, string backend = "") =>
            new("/detect-misdirected-requests", host, Status: status, Backend: backend, Namespace: Ns) { ServerName = serverName, Http2 = true };
        await g.Requests.ExpectAllAsync(address, g.HttpsPort, "https",
            Case("example.org", "example.org", 200, V1),
            Case("example.org", "second-example.org", 421),
            Case("example.org", "unknown-example.org", 404),
            Case("second-example.org", "second-example.org", 200, V2),
            Case("second-example.org", "example.org", 421),
            Case("second-example.org", "unknown-example.org", 421),
            Case("third-example.wildcard.org", "third-example.wildcard.org", 200, V3),
            Case("third-example.wildcard.org", "fith-example.wildcard.org", 200, V3),
            Case("third-example.wildcard.org", "fourth-example.wildcard.org", 421),
            Case("third-example.wildcard.org", "second-example.org", 421),
            Case("third-example.wildcard.org", "unknown-example.org", 421),
            Case("fourth-example.wildcard.org", "fourth-example.wildcard.org", 200, V1),
            Case("fourth-example.wildcard.org", "fith-example.wildcard.org", 421),
            Case("unknown-example.org", "example.org", 200, V1),
            Case("unknown-example.org", "unknown-example.org", 404));
    }
}
