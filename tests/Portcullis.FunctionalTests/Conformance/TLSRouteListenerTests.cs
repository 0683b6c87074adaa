namespace Portcullis.FunctionalTests.Conformance;

/// <summary>
/// Upstream's TLS listener status tests (kubernetes-sigs/gateway-api v1.6.1
/// conformance/tests/tlsroute-listener-*-supported-kinds.go), on the suite's gateway.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class TLSRouteListenerTests(ConformanceSuite suite)
{
    private static readonly string[] TlsRoute = ["TLSRoute"];

    // tlsroute-listener-passthrough-supported-kinds.go
    [Fact]
    public async Task TLSRouteListenerPassthroughSupportedKinds()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "tlsroute-listener-passthrough-supported-kinds.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-tlsroute-passthrough-supported-kind",
            new ExpectedListener("tls-passthrough", TlsRoute, 0, new ExpectedCondition("ResolvedRefs", "False", "InvalidRouteKinds")));
    }

    // tlsroute-listener-terminate-supported-kinds.go; upstream's tls-terminate-checks-certificate is the suite's
    // tls-validity-checks-certificate here (the test asks nothing of the certificate's names).
    [Fact]
    public async Task TLSRouteListenerTerminateSupportedKinds()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "tlsroute-listener-terminate-supported-kinds.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-tlsroute-terminate-supported",
            new ExpectedListener("tls-terminate", TlsRoute, 0, new ExpectedCondition("Accepted", "True", "Accepted")));
    }
}
