namespace Portcullis.FunctionalTests.Conformance;

/// <summary>Upstream's HTTPRoute routing tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/), on our gateway.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteMatchingTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string V1 = "infra-backend-v1";
    private const string V2 = "infra-backend-v2";
    private const string V3 = "infra-backend-v3";

    private static Dictionary<string, string> H(params string[] nameValues) =>
        Enumerable.Range(0, nameValues.Length / 2).ToDictionary(i => nameValues[2 * i], i => nameValues[(2 * i) + 1]);

    // httproute-simple-same-namespace.go
    [Fact]
    public async Task HTTPRouteSimpleSameNamespace()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-simple-same-namespace.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "gateway-conformance-infra-test");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("gateway-conformance-infra-test", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Backend: V1, Namespace: Ns));
    }

    // httproute-cross-namespace.go
    [Fact]
    public async Task HTTPRouteCrossNamespace()
    {
        const string web = ConformanceSuite.WebBackendNamespace;
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-cross-namespace.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("backend-namespaces", ("cross-namespace", web));
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("cross-namespace", web, "backend-namespaces");

        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Backend: "web-backend", Namespace: web));
    }

    // httproute-exact-path-matching.go
    [Fact]
    public async Task HTTPRouteExactPathMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-exact-path-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "exact-matching");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("exact-matching", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/one", Backend: V1, Namespace: Ns),
            new Expected("/two", Backend: V2, Namespace: Ns),
            new Expected("/", Status: 404),
            new Expected("/one/example", Status: 404),
            new Expected("/two/", Status: 404),
            new Expected("/Two", Status: 404));
    }

    // httproute-matching.go
    [Fact]
    public async Task HTTPRouteMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "matching");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("matching", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/", Backend: V1, Namespace: Ns),
            new Expected("/example", Backend: V1, Namespace: Ns),
            new Expected("/", Backend: V1, Namespace: Ns) { Headers = H("Version", "one") },
            new Expected("/v2", Backend: V2, Namespace: Ns),
            new Expected("/v2/example", Backend: V2, Namespace: Ns),
            new Expected("/", Backend: V2, Namespace: Ns) { Headers = H("Version", "two") },
            new Expected("/v2/", Backend: V2, Namespace: Ns),
            new Expected("/v2example", Backend: V1, Namespace: Ns),
            new Expected("/foo/v2/example", Backend: V1, Namespace: Ns));
    }

    // httproute-matching-across-routes.go
    [Fact]
    public async Task HTTPRouteMatchingAcrossRoutes()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-matching-across-routes.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "matching-part1", "matching-part2");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("matching-part1", Ns, "same-namespace");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("matching-part2", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/", "example.com", Backend: V1, Namespace: Ns),
            new Expected("/example", "example.com", Backend: V1, Namespace: Ns),
            new Expected("/example", "example.net", Backend: V1, Namespace: Ns),
            new Expected("/example", "example.com", Backend: V1, Namespace: Ns) { Headers = H("Version", "one") },
            new Expected("/v2", "example.com", Backend: V2, Namespace: Ns),
            new Expected("/v2", "example.net", Backend: V1, Namespace: Ns),
            new Expected("/v2/example", "example.com", Backend: V2, Namespace: Ns),
            new Expected("/", "example.com", Backend: V2, Namespace: Ns) { Headers = H("Version", "two") });
    }

    // httproute-header-matching.go
    [Fact]
    public async Task HTTPRouteHeaderMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-header-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "header-matching");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("header-matching", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected(Backend: V1, Namespace: Ns) { Headers = H("Version", "one") },
            new Expected(Backend: V2, Namespace: Ns) { Headers = H("Version", "two") },
            new Expected(Backend: V1, Namespace: Ns) { Headers = H("Version", "two", "Color", "orange") },
            new Expected(Backend: V2, Namespace: Ns) { Headers = H("Version", "two", "Color", "blue") },
            new Expected(Status: 404) { Headers = H("Color", "orange") },
            new Expected(Status: 404) { Headers = H("Some-Other-Header", "one") },
            new Expected(Backend: V1, Namespace: Ns) { Headers = H("Color", "blue") },
            new Expected(Backend: V1, Namespace: Ns) { Headers = H("Color", "green") },
            new Expected(Backend: V2, Namespace: Ns) { Headers = H("Color", "red") },
            new Expected(Backend: V2, Namespace: Ns) { Headers = H("Color", "yellow") },
            new Expected(Status: 404) { Headers = H("Color", "purple") });
    }

    // httproute-query-param-matching.go
    [Fact]
    public async Task HTTPRouteQueryParamMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-query-param-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "query-param-matching");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("query-param-matching", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/?animal=whale", Backend: V1, Namespace: Ns),
            new Expected("/?animal=dolphin", Backend: V2, Namespace: Ns),
            new Expected("/?animal=dolphin&color=blue", Backend: V3, Namespace: Ns),
            new Expected("/?ANIMAL=Whale", Backend: V3, Namespace: Ns),
            new Expected("/?animal=whale&otherparam=irrelevant", Backend: V1, Namespace: Ns),
            new Expected("/?animal=dolphin&color=yellow", Backend: V2, Namespace: Ns),
            new Expected("/?color=blue", Status: 404),
            new Expected("/?animal=dog", Status: 404),
            new Expected("/?animal=whaledolphin", Status: 404),
            new Expected("/", Status: 404),
            new Expected("/path1?animal=whale", Backend: V1, Namespace: Ns),
            new Expected("/?animal=whale", Backend: V2, Namespace: Ns) { Headers = H("version", "one") },
            new Expected("/path2?animal=whale", Backend: V3, Namespace: Ns) { Headers = H("version", "two") },
            new Expected("/path3?animal=shark", Backend: V1, Namespace: Ns),
            new Expected("/path4?animal=kraken", Backend: V1, Namespace: Ns) { Headers = H("version", "three") },
            new Expected("/?animal=shark", Status: 404),
            new Expected("/path4?animal=kraken", Status: 404),
            new Expected("/path5?animal=hydra", Backend: V1, Namespace: Ns),
            new Expected("/?animal=hydra", Backend: V3, Namespace: Ns) { Headers = H("version", "four") });
    }

    // httproute-method-matching.go
    [Fact]
    public async Task HTTPRouteMethodMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-method-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "method-matching");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("method-matching", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/", Method: "POST", Backend: V1, Namespace: Ns),
            new Expected("/", Method: "GET", Backend: V2, Namespace: Ns),
            new Expected("/", Method: "HEAD", Status: 404),
            new Expected("/path1", Method: "GET", Backend: V1, Namespace: Ns),
            new Expected("/", Method: "PUT", Backend: V2, Namespace: Ns) { Headers = H("version", "one") },
            new Expected("/path2", Method: "POST", Backend: V3, Namespace: Ns) { Headers = H("version", "two") },
            new Expected("/path3", Method: "PATCH", Backend: V1, Namespace: Ns),
            new Expected("/path4", Method: "DELETE", Backend: V1, Namespace: Ns) { Headers = H("version", "three") },
            new Expected("/", Method: "PUT", Status: 404),
            new Expected("/path4", Method: "DELETE", Status: 404),
            new Expected("/path5", Method: "PATCH", Backend: V1, Namespace: Ns),
            new Expected("/", Method: "PATCH", Backend: V2, Namespace: Ns) { Headers = H("version", "four") });
    }

    // httproute-path-match-order.go
    [Fact]
    public async Task HTTPRoutePathMatchOrder()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-path-match-order.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "path-matching-order");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("path-matching-order", Ns, "same-namespace");

        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/match/exact/one", Backend: V3, Namespace: Ns),
            new Expected("/match/exact", Backend: V2, Namespace: Ns),
            new Expected("/match", Backend: V1, Namespace: Ns),
            new Expected("/match/prefix/one/any", Backend: V2, Namespace: Ns),
            new Expected("/match/prefix/any", Backend: V1, Namespace: Ns),
            new Expected("/match/any", Backend: V3, Namespace: Ns));
    }

    // httproute-multiple-gateways.go
    [Fact]
    public async Task HTTPRouteMultipleGateways()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-multiple-gateways.yaml");

        var sameNamespace = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "multiple-gateways-shared-route", "same-namespace-dedicated-route");
        await g.Requests.ExpectAllAsync(sameNamespace, g.HttpPort,
            new Expected("/shared", Backend: V1, Namespace: Ns),
            new Expected("/", Backend: V2, Namespace: Ns));

        var allNamespaces = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("all-namespaces", "multiple-gateways-shared-route", "all-namespaces-dedicated-route");
        await g.Requests.ExpectAllAsync(allNamespaces, g.HttpPort,
            new Expected("/shared", Backend: V1, Namespace: Ns),
            new Expected("/", Backend: V3, Namespace: Ns));
    }

    // httproute-named-rule.go
    [Fact]
    public async Task HTTPRouteNamedRule()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-named-rule.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("same-namespace", "http-named-rules");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("http-named-rules", Ns, "same-namespace");
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/named", Namespace: Ns),
            new Expected("/unnamed", Namespace: Ns));
    }
}
