namespace Portcullis.FunctionalTests.Conformance;

using static HTTPRouteHeaderModifierTests;

/// <summary>Upstream's URLRewrite tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/).</summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteRewriteTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";

    // httproute-rewrite-host.go
    [Fact]
    public async Task HTTPRouteRewriteHost()
    {
        const string route = "rewrite-host";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-rewrite-host.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/one", "rewrite.example", Backend: "infra-backend-v1", Namespace: Ns) { BackendHost = "one.example.org" },
            new Expected("/two", "rewrite.example", Backend: "infra-backend-v2", Namespace: Ns) { BackendHost = "example.org" },
            new Expected("/rewrite-host-and-modify-headers", "rewrite.example", Backend: "infra-backend-v2", Namespace: Ns)
            {
                Headers = H(("X-Header-Remove", "remove-val"), ("X-Header-Add-Append", "append-val-1")),
                BackendHost = "test.example.org",
                BackendHeaders = H(("X-Header-Add", "header-val-1"), ("X-Header-Add-Append", "append-val-1,header-val-2"), ("X-Header-Set", "set-overwrites-values")),
                BackendAbsentHeaders = ["X-Header-Remove"],
            });
    }

    // httproute-rewrite-path.go
    [Fact]
    public async Task HTTPRouteRewritePath()
    {
        const string route = "rewrite-path";
        const string v1 = "infra-backend-v1";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-rewrite-path.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        var modifiedHeaders = H(("X-Header-Add", "header-val-1"), ("X-Header-Add-Append", "append-val-1,header-val-2"), ("X-Header-Set", "set-overwrites-values"));
        var sentHeaders = H(("X-Header-Remove", "remove-val"), ("X-Header-Add-Append", "append-val-1"), ("X-Header-Set", "set-val"));
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/prefix/one/two", Backend: v1, Namespace: Ns) { BackendPath = "/one/two" },
            new Expected("/strip-prefix/three", Backend: v1, Namespace: Ns) { BackendPath = "/three" },
            new Expected("/strip-prefix", Backend: v1, Namespace: Ns) { BackendPath = "/" },
            new Expected("/full/one/two", Backend: v1, Namespace: Ns) { BackendPath = "/one" },
            new Expected("/full/rewrite-path-and-modify-headers/test", Backend: v1, Namespace: Ns)
            {
                Headers = sentHeaders,
                BackendPath = "/test",
                BackendHeaders = modifiedHeaders,
                BackendAbsentHeaders = ["X-Header-Remove"],
            },
            new Expected("/prefix/rewrite-path-and-modify-headers/one", Backend: v1, Namespace: Ns)
            {
                Headers = sentHeaders,
                BackendPath = "/prefix/one",
                BackendHeaders = modifiedHeaders,
                BackendAbsentHeaders = ["X-Header-Remove"],
            });
    }
}
