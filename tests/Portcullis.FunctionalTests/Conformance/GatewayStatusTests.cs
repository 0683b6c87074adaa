namespace Portcullis.FunctionalTests.Conformance;

/// <summary>
/// Upstream's status tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/): route attachment, listener
/// status and reasons, certificate refs and ReferenceGrant, observedGeneration after `kubectl apply` of a change.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class GatewayStatusTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private static readonly string[] HttpRoute = ["HTTPRoute"];
    private static readonly ExpectedCondition[] AcceptedAndResolved = [new("Accepted", "True"), new("ResolvedRefs", "True")];

    // httproute-invalid-cross-namespace-parent-ref.go
    [Fact]
    public async Task HTTPRouteInvalidCrossNamespaceParentRef()
    {
        const string route = "invalid-cross-namespace-parent-ref";
        const string web = ConformanceSuite.WebBackendNamespace;
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-cross-namespace-parent-ref.yaml");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, web, "same-namespace");
        await g.HTTPRouteMustHaveConditionAsync(route, web, "same-namespace", new ExpectedCondition("Accepted", "False", "NotAllowedByListeners"));
        await g.HTTPRouteMustHaveNoAcceptedParentsAsync(route, web);
        await g.GatewayMustHaveZeroRoutesAsync("same-namespace");
    }

    // httproute-disallowed-kind.go
    [Fact]
    public async Task HTTPRouteDisallowedKind()
    {
        const string route = "disallowed-kind";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-disallowed-kind.yaml");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, "tlsroutes-only");
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, "tlsroutes-only", new ExpectedCondition("Accepted", "False", "NotAllowedByListeners"));
        await g.HTTPRouteMustHaveNoAcceptedParentsAsync(route, Ns);
        await g.GatewayMustHaveZeroRoutesAsync("tlsroutes-only");
    }

    // gateway-with-attached-routes.go
    [Fact]
    public async Task GatewayWithAttachedRoutes()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-with-attached-routes.yaml");

        // Gateway listener should have one valid http routes attached
        await g.GatewayStatusMustHaveListenersAsync("gateway-with-one-attached-route", new ExpectedListener("http", HttpRoute, 1, AcceptedAndResolved));

        // Gateway listener should have two valid http routes attached
        await g.GatewayStatusMustHaveListenersAsync("gateway-with-two-attached-routes", new ExpectedListener("http", HttpRoute, 2, AcceptedAndResolved));
        await g.HTTPRouteMustHaveConditionAsync("http-route-not-accepted", Ns, "gateway-with-two-attached-routes", new ExpectedCondition("Accepted", "False", "NoMatchingListenerHostname"));

        // Gateway listener should have AttachedRoutes set even when Gateway has unresolved refs
        await g.GatewayStatusMustHaveListenersAsync("unresolved-gateway-with-one-attached-unresolved-route",
            new ExpectedListener("tls", HttpRoute, 1, new("Programmed", "False"), new("ResolvedRefs", "False")));
        await g.HTTPRouteMustHaveConditionAsync("http-route-4", Ns, "unresolved-gateway-with-one-attached-unresolved-route", new ExpectedCondition("ResolvedRefs", "False"));
    }

    // gateway-with-attached-routes.go (GatewayWithAttachedRoutesWithPort8080): upstream's 8080 is a second free port here.
    [Fact]
    public async Task GatewayWithAttachedRoutesWithPort8080()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-with-attached-routes-with-port-8080.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-with-two-listeners-and-one-attached-route",
            new ExpectedListener("http-unattached", HttpRoute, 0, AcceptedAndResolved),
            new ExpectedListener("http", HttpRoute, 1, AcceptedAndResolved));
    }

    // gateway-invalid-route-kind.go
    [Fact]
    public async Task GatewayInvalidRouteKind()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-invalid-route-kind.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-only-invalid-route-kind",
            new ExpectedListener("http", [], 0, new ExpectedCondition("ResolvedRefs", "False", "InvalidRouteKinds")));
        await g.GatewayStatusMustHaveListenersAsync("gateway-supported-and-invalid-route-kind",
            new ExpectedListener("http", HttpRoute, 0, new ExpectedCondition("ResolvedRefs", "False", "InvalidRouteKinds")));
    }

    // gateway-invalid-tls-configuration.go
    [Theory]
    [InlineData("gateway-certificate-nonexistent-secret")]
    [InlineData("gateway-certificate-unsupported-group")]
    [InlineData("gateway-certificate-unsupported-kind")]
    [InlineData("gateway-certificate-malformed-secret")]
    public async Task GatewayInvalidTLSConfiguration(string gateway)
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-invalid-tls-configuration.yaml");
        await g.GatewayStatusMustHaveListenersAsync(gateway,
            new ExpectedListener("https", HttpRoute, 0, new ExpectedCondition("ResolvedRefs", "False", "InvalidCertificateRef")));
    }

    // gateway-secret-reference-grant-all-in-namespace.go
    [Fact]
    public async Task GatewaySecretReferenceGrantAllInNamespace()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-secret-reference-grant-all-in-namespace.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-secret-reference-grant-all-in-namespace",
            new ExpectedListener("https", HttpRoute, 0, new("Programmed", "True", "Programmed"), new("ResolvedRefs", "True")));
    }

    // gateway-secret-reference-grant-specific.go
    [Fact]
    public async Task GatewaySecretReferenceGrantSpecific()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-secret-reference-grant-specific.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-secret-reference-grant-specific",
            new ExpectedListener("https", HttpRoute, 0, new("Programmed", "True", "Programmed"), new("ResolvedRefs", "True")));
    }

    // gateway-secret-missing-reference-grant.go
    [Fact]
    public async Task GatewaySecretMissingReferenceGrant()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-secret-missing-reference-grant.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-secret-missing-reference-grant",
            new ExpectedListener("https", HttpRoute, 0, new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted")));
    }

    // gateway-secret-invalid-reference-grant.go
    [Fact]
    public async Task GatewaySecretInvalidReferenceGrant()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-secret-invalid-reference-grant.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-secret-invalid-reference-grant",
            new ExpectedListener("https", HttpRoute, 0, new ExpectedCondition("ResolvedRefs", "False", "RefNotPermitted")));
    }

    // httproute-observed-generation-bump.go
    [Fact]
    public async Task HTTPRouteObservedGenerationBump()
    {
        const string route = "observed-generation-bump";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-observed-generation-bump.yaml");
        var original = await g.HTTPRouteMustHaveLatestConditionsAsync(route);

        g.Apply("httproute-observed-generation-bump.yaml",
            ConformanceSuite.Testdata("httproute-observed-generation-bump.yaml").Replace("name: infra-backend-v1", "name: infra-backend-v2", StringComparison.Ordinal));

        await g.EventuallyAsync(() => g.HTTPRouteAsync(route),
            o => StatusExpectations.Generation(o) != StatusExpectations.Generation(original) ? null : "generation unchanged", "the change to be loaded");
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, "same-namespace", new ExpectedCondition("Accepted", "True"));
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, "same-namespace");
        var updated = await g.HTTPRouteMustHaveLatestConditionsAsync(route);
        Assert.NotEqual(StatusExpectations.Generation(original), StatusExpectations.Generation(updated));
    }

    // gateway-observed-generation-bump.go
    [Fact]
    public async Task GatewayObservedGenerationBump()
    {
        const string gw = "gateway-observed-generation-bump";
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-observed-generation-bump.yaml");
        var original = await g.GatewayMustHaveLatestConditionsAsync(gw);

        g.Apply("gateway-observed-generation-bump.yaml", ConformanceSuite.Testdata("gateway-observed-generation-bump-modified.yaml"));

        await g.EventuallyAsync(() => g.GatewayAsync(gw),
            o => StatusExpectations.Generation(o) != StatusExpectations.Generation(original) ? null : "generation unchanged", "the change to be loaded");
        var updated = await g.GatewayMustHaveLatestConditionsAsync(gw);
        Assert.NotEqual(StatusExpectations.Generation(original), StatusExpectations.Generation(updated));
    }

    // gatewayclass-observed-generation-bump.go
    [Fact]
    public async Task GatewayClassObservedGenerationBump()
    {
        const string gwc = "gatewayclass-observed-generation-bump";
        await using var g = await ConformanceGateway.StartAsync(suite, "gatewayclass-observed-generation-bump.yaml");
        var original = await g.GatewayClassMustBeAcceptedWithLatestConditionsAsync(gwc);

        g.Apply("gatewayclass-observed-generation-bump.yaml", ConformanceSuite.Testdata("gatewayclass-observed-generation-bump-modified.yaml"));

        await g.EventuallyAsync(() => g.GatewayClassAsync(gwc),
            o => StatusExpectations.Generation(o) != StatusExpectations.Generation(original) ? null : "generation unchanged", "the change to be loaded");
        var updated = await g.GatewayClassMustBeAcceptedWithLatestConditionsAsync(gwc);
        Assert.NotEqual(StatusExpectations.Generation(original), StatusExpectations.Generation(updated));
    }
}
