namespace Portcullis.FunctionalTests.Conformance;

/// <summary>
/// Upstream's frontend client-certificate validation tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/,
/// feature GatewayFrontendClientCertificateValidation): the status parts. Their traffic parts (requests with and
/// without client certificates) run with curl and openssl in <see cref="ClientCertificateTests"/>, as the suite's
/// request helper sends no client certificate.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class GatewayFrontendTLSTests(ConformanceSuite suite)
{
    private static readonly string[] HttpRoute = ["HTTPRoute", "GRPCRoute"];

    // gateway-with-invalid-clientcertificate-validation.go. Upstream's ports 7443, 8443 and 6443 stay: their
    // listeners are not accepted, so nothing binds them.
    [Fact]
    public async Task GatewayInvalidFrontendClientCertificateValidation()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-with-invalid-clientcertificate-validation.yaml");
        await g.GatewayStatusMustHaveListenersAsync("gateway-with-invalid-client-cert-validation",
            new ExpectedListener("https", HttpRoute, 0, new("ResolvedRefs", "True"), new("Accepted", "True"), new("Programmed", "True")),
            Invalid("https-unresolved", "InvalidCACertificateRef"),
            Invalid("https-invalid-kind", "InvalidCACertificateKind"),
            Invalid("https-grant-missing", "RefNotPermitted"));
    }

    // gateway-invalid-default-frontend-client-certificate-validation.go (status; the HTTPS request must fail, and it
    // does: the listener is not served). Upstream's 80 and 443 are the suite's HTTP and HTTPS ports.
    [Fact]
    public async Task GatewayFrontendInvalidDefaultClientCertificateValidation()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-invalid-default-frontend-client-certificate-validation.yaml");
        await g.GatewayStatusMustHaveListenersAsync("invalid-default-client-validation-config",
            Invalid("https", "InvalidCACertificateRef", attachedRoutes: 0),
            new ExpectedListener("http", HttpRoute, 1, new("ResolvedRefs", "True"), new("Accepted", "True"), new("Programmed", "True")));
    }

    // gateway-with-clientcertificate-validation-insecure-fallback.go (status). Upstream's 8443 is the suite's second
    // HTTP port number, bound here by an HTTPS listener on this Gateway's own address.
    [Fact]
    public async Task GatewayFrontendClientCertificateValidationInsecureFallback()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-with-clientcertificate-validation-insecure-fallback.yaml");
        await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("client-validation-insecure-fallback",
            "client-cert-validation-insecure-fallback-test", "client-cert-validation-insecure-fallback-test-no-hostname");
        await g.GatewayMustHaveConditionAsync("client-validation-insecure-fallback",
            new ExpectedCondition("InsecureFrontendValidationMode", "True", "ConfigurationChanged"));
    }

    private static ExpectedListener Invalid(string name, string reason, int attachedRoutes = 0) =>
        new(name, HttpRoute, attachedRoutes,
            new("ResolvedRefs", "False", reason), new("Accepted", "False", "NoValidCACertificate"), new("Programmed", "False"));
}
