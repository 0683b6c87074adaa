namespace Portcullis.FunctionalTests.Conformance;

/// <summary>Upstream's header modifier tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/): request and response, rule and backend level.</summary>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteHeaderModifierTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";
    private const string V1 = "infra-backend-v1";

    internal static Dictionary<string, string> H(params (string Name, string Value)[] headers) => headers.ToDictionary(h => h.Name, h => h.Value);

    // httproute-request-header-modifier.go
    [Fact]
    public Task HTTPRouteRequestHeaderModifier() => RequestHeaderModifierAsync("httproute-request-header-modifier.yaml");

    // httproute-request-header-modifier.go (HTTPRouteBackendRequestHeaderModifier): the same cases, filters on the backendRef.
    [Fact]
    public Task HTTPRouteBackendRequestHeaderModifier() => RequestHeaderModifierAsync("httproute-request-header-modifier-backend.yaml");

    private async Task RequestHeaderModifierAsync(string manifest)
    {
        const string route = "request-header-modifier";
        await using var g = await ConformanceGateway.StartAsync(suite, manifest);
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/set", Backend: V1, Namespace: Ns)
            {
                Headers = H(("Some-Other-Header", "val")),
                BackendHeaders = H(("Some-Other-Header", "val"), ("X-Header-Set", "set-overwrites-values")),
            },
            new Expected("/set", Backend: V1, Namespace: Ns)
            {
                Headers = H(("Some-Other-Header", "val"), ("X-Header-Set", "some-other-value")),
                BackendHeaders = H(("Some-Other-Header", "val"), ("X-Header-Set", "set-overwrites-values")),
            },
            new Expected("/add", Backend: V1, Namespace: Ns)
            {
                Headers = H(("Some-Other-Header", "val")),
                BackendHeaders = H(("Some-Other-Header", "val"), ("X-Header-Add", "add-appends-values")),
            },
            new Expected("/add", Backend: V1, Namespace: Ns)
            {
                Headers = H(("Some-Other-Header", "val"), ("X-Header-Add", "some-other-value")),
                BackendHeaders = H(("Some-Other-Header", "val"), ("X-Header-Add", "some-other-value,add-appends-values")),
            },
            new Expected("/remove", Backend: V1, Namespace: Ns)
            {
                Headers = H(("X-Header-Remove", "val")),
                BackendAbsentHeaders = ["X-Header-Remove"],
            },
            new Expected("/multiple", Backend: V1, Namespace: Ns)
            {
                Headers = H(("X-Header-Set-2", "set-val-2"), ("X-Header-Add-2", "add-val-2"), ("X-Header-Remove-2", "remove-val-2"), ("Another-Header", "another-header-val")),
                BackendHeaders = H(
                    ("X-Header-Set-1", "header-set-1"),
                    ("X-Header-Set-2", "header-set-2"),
                    ("X-Header-Add-1", "header-add-1"),
                    ("X-Header-Add-2", "add-val-2,header-add-2"),
                    ("X-Header-Add-3", "header-add-3"),
                    ("Another-Header", "another-header-val")),
                BackendAbsentHeaders = ["X-Header-Remove-1", "X-Header-Remove-2"],
            },
            new Expected("/case-insensitivity", Backend: V1, Namespace: Ns)
            {
                // The filter names the headers canonically, the request in lower case.
                Headers = H(("x-header-set", "original-val-set"), ("x-header-add", "original-val-add"), ("x-header-remove", "original-val-remove"), ("Another-Header", "another-header-val")),
                BackendHeaders = H(("X-Header-Set", "header-set"), ("X-Header-Add", "original-val-add,header-add"), ("Another-Header", "another-header-val")),
                BackendAbsentHeaders = ["x-header-remove", "X-Header-Remove"],
            });
    }

    // httproute-response-header-modifier.go
    [Fact]
    public async Task HTTPRouteResponseHeaderModifier()
    {
        const string route = "response-header-modifier";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-response-header-modifier.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/set", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(("Some-Other-Header", "val")),
                ResponseHeaders = H(("Some-Other-Header", "val"), ("X-Header-Set", "set-overwrites-values")),
            },
            new Expected("/set", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(("Some-Other-Header", "val"), ("X-Header-Set", "some-other-value")),
                ResponseHeaders = H(("Some-Other-Header", "val"), ("X-Header-Set", "set-overwrites-values")),
            },
            new Expected("/add", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(("Some-Other-Header", "val")),
                ResponseHeaders = H(("Some-Other-Header", "val"), ("X-Header-Add", "add-appends-values")),
            },
            new Expected("/add", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(("Some-Other-Header", "val"), ("X-Header-Add", "some-other-value")),
                ResponseHeaders = H(("Some-Other-Header", "val"), ("X-Header-Add", "some-other-value,add-appends-values")),
            },
            new Expected("/remove", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(("X-Header-Remove", "val")),
                ResponseAbsentHeaders = ["X-Header-Remove"],
            },
            new Expected("/multiple", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(
                    ("X-Header-Set-2", "set-val-2"),
                    ("X-Header-Add-2", "add-val-2"),
                    ("X-Header-Remove-2", "remove-val-2"),
                    ("Another-Header", "another-header-val"),
                    ("X-Header-Remove-1", "val")),
                ResponseHeaders = H(
                    ("X-Header-Set-1", "header-set-1"),
                    ("X-Header-Set-2", "header-set-2"),
                    ("X-Header-Add-1", "header-add-1"),
                    ("X-Header-Add-2", "add-val-2,header-add-2"),
                    ("X-Header-Add-3", "header-add-3"),
                    ("Another-Header", "another-header-val")),
                ResponseAbsentHeaders = ["X-Header-Remove-1", "X-Header-Remove-2"],
            },
            new Expected("/case-insensitivity", Backend: V1, Namespace: Ns)
            {
                BackendSetResponseHeaders = H(("x-header-set", "original-val-set"), ("x-header-add", "original-val-add"), ("x-header-remove", "original-val-remove"), ("Another-Header", "another-header-val")),
                ResponseHeaders = H(
                    ("X-Header-Set", "header-set"),
                    ("X-Header-Add", "original-val-add,header-add"),
                    ("X-Lowercase-Add", "lowercase-add"),
                    ("X-Mixedcase-Add-1", "mixedcase-add-1"),
                    ("X-Mixedcase-Add-2", "mixedcase-add-2"),
                    ("X-Uppercase-Add", "uppercase-add"),
                    ("Another-Header", "another-header-val")),
                ResponseAbsentHeaders = ["x-header-remove", "X-Header-Remove"],
            },
            new Expected("/response-and-request-header-modifiers", Backend: V1, Namespace: Ns)
            {
                Headers = H(("X-Header-Remove", "remove-val"), ("X-Header-Add-Append", "append-val-1"), ("X-Header-Echo", "echo")),
                BackendSetResponseHeaders = H(
                    ("X-Header-Set-2", "set-val-2"),
                    ("X-Header-Add-2", "add-val-2"),
                    ("X-Header-Remove-2", "remove-val-2"),
                    ("Another-Header", "another-header-val"),
                    ("X-Header-Remove-1", "remove-val-1"),
                    ("X-Header-Echo", "echo")),
                BackendHeaders = H(
                    ("X-Header-Add", "header-val-1"),
                    ("X-Header-Set", "set-overwrites-values"),
                    ("X-Header-Add-Append", "append-val-1,header-val-2"),
                    ("X-Header-Echo", "echo")),
                BackendAbsentHeaders = ["X-Header-Remove"],
                ResponseHeaders = H(
                    ("X-Header-Set-1", "header-set-1"),
                    ("X-Header-Set-2", "header-set-2"),
                    ("X-Header-Add-1", "header-add-1"),
                    ("X-Header-Add-2", "add-val-2,header-add-2"),
                    ("Another-Header", "another-header-val"),
                    ("X-Header-Echo", "echo")),
                ResponseAbsentHeaders = ["X-Header-Remove-1", "X-Header-Remove-2"],
            });
    }

    // httproute-request-header-modifier-backend-weights.go: each backendRef sets "Backend: <its name>"; 100
    // requests must each reach the pod their header names.
    [Fact]
    public async Task HTTPRouteRequestHeaderModifierBackendWeights()
    {
        const string route = "request-header-modifier-backend-weights";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-request-header-modifier-backend-weights.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        var expected = new Expected("/", Namespace: Ns);
        await g.Requests.MakeRequestAndExpectEventuallyConsistentResponseAsync(address, g.HttpPort, expected);
        for (var i = 0; i < 100; i++)
        {
            var (status, body) = await g.Requests.SendAsync(address, g.HttpPort, expected);
            Assert.Equal(200, status);
            var backends = body!["headers"]?["Backend"]?.AsArray().Select(v => (string?)v).ToList() ?? [];
            Assert.True(backends.Count == 1, $"expected a single 'Backend' header to have been set, got {backends.Count}");
            var pod = (string?)body["pod"] ?? "";
            Assert.True(pod.StartsWith(backends[0]!, StringComparison.Ordinal),
                $"expected the backendRef to have set the correct headers and sent the request to the correct pod, got {pod}, want {backends[0]}");
        }
    }
}
