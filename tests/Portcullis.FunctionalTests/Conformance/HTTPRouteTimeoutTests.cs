namespace Portcullis.FunctionalTests.Conformance;

/// <summary>
/// Upstream's rule timeout tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/). The echo's ?delay= takes
/// a Go duration and waits that long before answering, as echo-basic does; 408 or 504 both count as a timeout.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteTimeoutTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";

    // httproute-timeout-request.go
    [Fact]
    public async Task HTTPRouteTimeoutRequest()
    {
        const string route = "request-timeout";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-timeout-request.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/request-timeout", Namespace: Ns),
            new Expected("/request-timeout?delay=1s", Status: 504, Namespace: Ns),
            new Expected("/disable-request-timeout?delay=1s", Namespace: Ns));
    }

    // httproute-timeout-backend-request.go
    [Fact]
    public async Task HTTPRouteTimeoutBackendRequest()
    {
        const string route = "backend-request-timeout";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-timeout-backend-request.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/backend-timeout", Namespace: Ns),
            new Expected("/backend-timeout?delay=1s", Status: 504, Namespace: Ns),
            new Expected("/disable-backend-timeout?delay=1s", Namespace: Ns));
    }
}
