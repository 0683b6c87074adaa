namespace Portcullis.FunctionalTests.Conformance;

using static HTTPRouteHeaderModifierTests;

/// <summary>
/// Upstream's HTTPRouteCORS (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/httproute-cors.go). A preflight
/// must be answered by the gateway itself: upstream expects a request with no path and no namespace behind a
/// 200/204, which is what an answer that is not the echo's JSON stands for.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteCorsTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";

    private static readonly Dictionary<string, string[]> Cors1Preflight = new()
    {
        ["access-control-allow-methods"] = ["GET, OPTIONS", "OPTIONS, GET"],
        ["access-control-allow-headers"] = ["x-header-1, x-header-2", "x-header-2, x-header-1"],
        ["access-control-expose-headers"] = ["x-header-3, x-header-4", "x-header-4, x-header-3"],
        ["access-control-max-age"] = ["3600"],
        ["access-control-allow-credentials"] = ["true"],
    };

    private static Expected Preflight(string path, params (string Name, string Value)[] headers) =>
        new(path, Method: "OPTIONS") { Headers = H(headers), BackendPath = "", StatusCodes = [200, 204] };

    private static Dictionary<string, string[]> With(Dictionary<string, string[]> headers, string name, params string[] values) =>
        new(headers) { [name] = values };

    [Fact]
    public Task HTTPRouteCORS() => RunAsync(Cases());

    private async Task RunAsync(Expected[] cases)
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-cors.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, "cors-multiple-origins-methods-headers", "cors-wildcard-methods");
        foreach (var route in new[] { "cors-multiple-origins-methods-headers", "cors-wildcard-methods", "cors-wildcard-origin", "cors-wildcard-methods-headers" })
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        }

        await g.Requests.ExpectAllAsync(address, g.HttpPort, cases);
    }

    private static Expected[] Cases() =>
        [
            // CORS preflight request from an exact matching origin should be allowed
            Preflight("/cors-1", ("Origin", "https://www.foo.com"), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-header-1, x-header-2"))
                with { ResponseValidHeaderValues = With(Cors1Preflight, "access-control-allow-origin", "https://www.foo.com"), IgnoreWhitespace = true },
            // CORS preflight request from a wildcard matching origin should be allowed
            Preflight("/cors-1", ("Origin", "https://www.bar.com"), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-header-1, x-header-2"))
                with { ResponseValidHeaderValues = With(Cors1Preflight, "access-control-allow-origin", "https://www.bar.com"), IgnoreWhitespace = true },
            // CORS preflight request from a wildcard matching any number of periods left to '*' should be allowed
            Preflight("/cors-1", ("Origin", "https://xpto.www.bar.com"), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-header-1, x-header-2"))
                with { ResponseValidHeaderValues = With(Cors1Preflight, "access-control-allow-origin", "https://xpto.www.bar.com"), IgnoreWhitespace = true },
            // CORS preflight request from a non-matching origin should not be allowed
            Preflight("/cors-1", ("Origin", "https://foobar.com"), ("access-control-request-method", "GET"))
                with { StatusCodes = [200, 204, 403], ResponseAbsentHeaders = ["access-control-allow-origin"] },
            // Simple request from an exact matching origin should be allowed
            new Expected("/cors-1", Namespace: Ns)
            {
                Headers = H(("Origin", "https://www.foo.com"), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-header-1, x-header-2")),
                ResponseHeaders = H(("access-control-allow-origin", "https://www.foo.com")),
            },
            // Simple request from a wildcard matching origin should be allowed
            new Expected("/cors-1", Namespace: Ns)
            {
                Headers = H(("Origin", "https://www.bar.com"), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-header-1, x-header-2")),
                ResponseHeaders = H(("access-control-allow-origin", "https://www.bar.com")),
            },
            // Simple request from a non-matching origin should not be allowed
            new Expected("/cors-1", Namespace: Ns)
            {
                Headers = H(("Origin", "https://foobar.com"), ("access-control-request-method", "GET")),
                ResponseAbsentHeaders = ["access-control-allow-origin"],
            },
            // CORS preflight request with POST method should be allowed by allowMethods with wildcard
            Preflight("/cors-2", ("Origin", "https://www.foo.com"), ("access-control-request-method", "POST")) with
            {
                ResponseValidHeaderValues = new Dictionary<string, string[]> { ["access-control-allow-methods"] = ["POST", "*"] },
                ResponseHeaders = H(("access-control-allow-origin", "https://www.foo.com")),
                ResponseAbsentHeaders = ["access-control-allow-credentials"],
            },
            // CORS preflight request should not receive access-control-allow-credentials header without access-control-allow-credentials set to true
            Preflight("/cors-2", ("Origin", "https://www.foo.com"), ("access-control-request-method", "POST"))
                with { ResponseAbsentHeaders = ["Access-Control-Allow-Credentials"] },
            // CORS preflight request from a wildcard origin should return header with '*' or with the requested Origin
            Preflight("/cors-wildcard-origin", ("Origin", "https://foobar.com"), ("access-control-request-method", "PUT")) with
            {
                ResponseValidHeaderValues = new Dictionary<string, string[]>
                {
                    ["access-control-allow-origin"] = ["https://foobar.com", "*"],
                    ["access-control-allow-methods"] = ["PUT"],
                },
                ResponseAbsentHeaders = ["Access-Control-Allow-Credentials"],
            },
            // CORS preflight request from a wildcard origin containing a port should return header with '*' or with the requested Origin
            Preflight("/cors-wildcard-origin", ("Origin", "https://foobar.com:12345"), ("access-control-request-method", "PUT")) with
            {
                ResponseValidHeaderValues = new Dictionary<string, string[]>
                {
                    ["access-control-allow-origin"] = ["https://foobar.com:12345", "*"],
                    ["access-control-allow-methods"] = ["PUT"],
                },
                ResponseAbsentHeaders = ["Access-Control-Allow-Credentials"],
            },
            // Request from a wildcard origin containing a port should return header with '*' or with the requested Origin
            new Expected("/cors-wildcard-origin", Method: "PUT", Namespace: Ns)
            {
                Headers = H(("Origin", "https://foobar.com:12345")),
                ResponseValidHeaderValues = new Dictionary<string, string[]> { ["access-control-allow-origin"] = ["https://foobar.com:12345", "*"] },
            },
            // Simple request from a wildcard origin should return header with '*' or with the requested Origin
            new Expected("/cors-wildcard-origin", Method: "PUT", Namespace: Ns)
            {
                Headers = H(("Origin", "https://foobar.com")),
                ResponseValidHeaderValues = new Dictionary<string, string[]> { ["access-control-allow-origin"] = ["https://foobar.com", "*"] },
                ResponseAbsentHeaders = ["Access-Control-Allow-Credentials"],
            },
            // CORS preflight request requesting specific method and headers should be allowed and always echo the origin with allowCredentials set to true
            Preflight("/cors-wildcard-methods-headers", ("Origin", "https://other.foo.com"), ("access-control-request-method", "PUT"), ("access-control-request-headers", "x-header-1, x-header-2")) with
            {
                ResponseValidHeaderValues = new Dictionary<string, string[]>
                {
                    ["access-control-allow-origin"] = ["https://other.foo.com"],
                    ["access-control-allow-methods"] = ["PUT"],
                    ["access-control-allow-headers"] = ["x-header-1, x-header-2", "x-header-2, x-header-1"],
                    ["access-control-allow-credentials"] = ["true"],
                },
                IgnoreWhitespace = true,
            },
            // CORS preflight request requesting specific method and headers should hide access-control-allow-credentials headers with allowCredentials set to false
            Preflight("/cors-wildcard-methods-headers-unauth", ("Origin", "https://other.foo.com"), ("access-control-request-method", "PUT"), ("access-control-request-headers", "x-header-1, x-header-2")) with
            {
                ResponseValidHeaderValues = new Dictionary<string, string[]>
                {
                    ["access-control-allow-origin"] = ["https://other.foo.com", "*"],
                    ["access-control-allow-methods"] = ["PUT", "*"],
                    ["access-control-allow-headers"] = ["x-header-1, x-header-2", "x-header-2, x-header-1", "*"],
                },
                ResponseAbsentHeaders = ["access-control-allow-credentials"],
                IgnoreWhitespace = true,
            },
            // CORS request should receive access-control-allow-credentials header with allowCredentials set to true
            new Expected("/cors-wildcard-methods-headers", Namespace: Ns)
            {
                Headers = H(("Origin", "https://other.foo.com")),
                ResponseValidHeaderValues = new Dictionary<string, string[]>
                {
                    ["access-control-allow-origin"] = ["https://other.foo.com"],
                    ["access-control-allow-credentials"] = ["true"],
                },
            },
            // CORS request should not receive access-control-allow-credentials header without allowCredentials set to true
            new Expected("/cors-wildcard-methods-headers-unauth", Namespace: Ns)
            {
                Headers = H(("Origin", "https://other.foo.com")),
                ResponseValidHeaderValues = new Dictionary<string, string[]> { ["access-control-allow-origin"] = ["https://other.foo.com", "*"] },
                ResponseAbsentHeaders = ["access-control-allow-credentials"],
            },
        ];
}
