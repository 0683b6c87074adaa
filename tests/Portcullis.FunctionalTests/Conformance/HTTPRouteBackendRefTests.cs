namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;

/// <summary>Upstream's backendRef tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/): weights, invalid refs, ReferenceGrant.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteBackendRefTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";

    // httproute-weight.go
    [Fact]
    public async Task HTTPRouteWeight()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-weight.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, "weighted-backends");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("weighted-backends", Ns, Gw);
        var expected = new Expected("/", Namespace: Ns);
        await g.Requests.MakeRequestAndExpectEventuallyConsistentResponseAsync(address, g.HttpPort, expected);

        // Upstream's weight.TestWeightedDistribution: 500 requests, 10 at a time, each share within +-5 points,
        // up to 10 attempts (a fair split fails one attempt now and then; ten in a row means it is not fair).
        var weights = new Dictionary<string, double> { ["infra-backend-v1"] = 0.7, ["infra-backend-v2"] = 0.3, ["infra-backend-v3"] = 0.0 };
        var errors = new List<string>();
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var pods = new List<string>();
            for (var batch = 0; batch < 50; batch++)
            {
                var replies = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => g.Requests.SendAsync(address, g.HttpPort, expected)));
                foreach (var (status, body) in replies)
                {
                    Assert.Equal(200, status);
                    pods.Add((string)body!["pod"]!);
                }
            }

            var error = string.Join("; ", weights.Select(w =>
            {
                var got = pods.Count(p => p.StartsWith(w.Key, StringComparison.Ordinal)) / (double)pods.Count;
                return (w.Value == 0 && got > 0) || Math.Abs(got - w.Value) > 0.05
                    ? $"{w.Key} got {got.ToString("P1", CultureInfo.InvariantCulture)}, want {w.Value.ToString("P0", CultureInfo.InvariantCulture)}"
                    : null;
            }).Where(e => e is not null));
            if (error.Length == 0)
            {
                return;
            }

            errors.Add(error);
        }

        Assert.Fail("Weighted distribution tests failed: " + string.Join(" | ", errors));
    }

    // httproute-invalid-nonexistent-backendref.go
    [Fact]
    public async Task HTTPRouteInvalidNonExistentBackendRef()
    {
        const string route = "invalid-nonexistent-backend-ref";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-nonexistent-backendref.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, Gw, new ExpectedCondition("ResolvedRefs", "False", "BackendNotFound"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Status: 500));
    }

    // httproute-invalid-backendref-unknown-kind.go
    [Fact]
    public async Task HTTPRouteInvalidBackendRefUnknownKind()
    {
        const string route = "invalid-backend-ref-unknown-kind";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-backendref-unknown-kind.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, Gw, new ExpectedCondition("ResolvedRefs", "False", "InvalidKind"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/v2", Status: 500));
    }

    // httproute-invalid-cross-namespace-backend-ref.go
    [Fact]
    public async Task HTTPRouteInvalidCrossNamespaceBackendRef()
    {
        const string route = "invalid-cross-namespace-backend-ref";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-cross-namespace-backend-ref.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, Gw, new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Status: 500));
    }

    // httproute-reference-grant.go
    [Fact]
    public async Task HTTPRouteReferenceGrant()
    {
        const string route = "reference-grant";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-reference-grant-grant.yaml", "httproute-reference-grant.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Backend: "web-backend", Namespace: ConformanceSuite.WebBackendNamespace));

        g.Delete("httproute-reference-grant-grant.yaml");

        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Status: 500));
    }

    // httproute-partially-invalid-via-invalid-reference-grant.go
    [Fact]
    public async Task HTTPRoutePartiallyInvalidViaInvalidReferenceGrant()
    {
        const string route = "invalid-reference-grant";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-partially-invalid-via-invalid-reference-grant.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, Gw, new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/v2", Status: 500),
            new Expected("/", Backend: "app-backend-v1", Namespace: ConformanceSuite.AppBackendNamespace));
    }

    // httproute-invalid-reference-grant.go
    [Fact]
    public async Task HTTPRouteInvalidReferenceGrant()
    {
        const string route = "reference-grant";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-reference-grant.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, Gw, new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Status: 500));
    }

    // httproute-omitted-backendrefs.go (HTTPRouteNoBackendRefs)
    [Fact]
    public async Task HTTPRouteNoBackendRefs()
    {
        const string route = "omitted-backendrefs";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-omitted-backendrefs.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/forward", Backend: "infra-backend-v1", Namespace: Ns),
            new Expected("/omitted-no-forward", Status: 500),
            new Expected("/empty-no-forward", Status: 500));
    }

    // httproute-service-types.go: upstream patches pod IPs into the manual EndpointSlices; ours hold the echo's
    // address from the start, and the headless Service's slice stands for what the endpoint controller writes.
    [Fact]
    public async Task HTTPRouteServiceTypes()
    {
        const string route = "service-types";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-service-types.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/manual-endpointslices", Backend: "infra-backend-v1", Namespace: Ns),
            new Expected("/headless-manual-endpointslices", Backend: "infra-backend-v1", Namespace: Ns),
            new Expected("/headless", Backend: "infra-backend-v1", Namespace: Ns));
    }

    // httproute-backend-protocol-h2c.go: port 8081 of infra-backend-v1 has appProtocol kubernetes.io/h2c and
    // leads to the echo's port that speaks HTTP/2 with prior knowledge only.
    [Fact]
    public async Task HTTPRouteBackendProtocolH2C()
    {
        const string route = "backend-protocol-h2c";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-backend-protocol-h2c.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", Backend: "infra-backend-v1", Namespace: Ns) { Http2 = true });
    }
}
