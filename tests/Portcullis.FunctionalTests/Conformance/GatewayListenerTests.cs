namespace Portcullis.FunctionalTests.Conformance;

/// <summary>
/// Upstream's listener and parentRef tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/): listeners
/// added and removed by `kubectl apply`, unsupported protocols, parentRefs naming no listener.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class GatewayListenerTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private static readonly string[] HttpRoute = ["HTTPRoute"];
    private static readonly ExpectedCondition[] AcceptedAndResolved = [new("Accepted", "True"), new("ResolvedRefs", "True")];

    // gateway-modify-listeners.go
    [Fact]
    public async Task GatewayModifyListeners()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-modify-listeners-add.yaml", "gateway-modify-listeners-remove.yaml");

        // should be able to add a listener that then becomes available for routing traffic
        var original = await g.GatewayMustHaveLatestConditionsAsync("gateway-add-listener");
        g.Apply("gateway-modify-listeners-add.yaml", ConformanceSuite.Testdata("gateway-modify-listeners-add-modified.yaml"));
        await g.GatewayStatusMustHaveListenersAsync("gateway-add-listener",
            new ExpectedListener("https", HttpRoute, 1, AcceptedAndResolved),
            new ExpectedListener("http", HttpRoute, 1, AcceptedAndResolved));
        var updated = await g.GatewayMustHaveLatestConditionsAsync("gateway-add-listener");
        Assert.NotEqual(StatusExpectations.Generation(original), StatusExpectations.Generation(updated));

        // should be able to remove listeners, which would then stop routing the relevant traffic
        original = await g.GatewayMustHaveLatestConditionsAsync("gateway-remove-listener");
        g.Apply("gateway-modify-listeners-remove.yaml", ConformanceSuite.Testdata("gateway-modify-listeners-remove-modified.yaml"));
        await g.GatewayStatusMustHaveListenersAsync("gateway-remove-listener", new ExpectedListener("http", HttpRoute, 1, AcceptedAndResolved));
        updated = await g.GatewayMustHaveLatestConditionsAsync("gateway-remove-listener");
        Assert.NotEqual(StatusExpectations.Generation(original), StatusExpectations.Generation(updated));
    }

    // gateway-invalid-listeners-unsupported-protocol.go
    [Fact]
    public async Task GatewayListenerUnsupportedProtocol()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-invalid-listeners-unsupported-protocol.yaml");

        // Gateway with no accepted listeners should not be accepted; the listener is Accepted=False/UnsupportedProtocol
        await g.GatewayMustHaveLatestConditionsAsync("gateway-only-unsupported-protocols");
        await g.GatewayMustHaveConditionAsync("gateway-only-unsupported-protocols", new ExpectedCondition("Accepted", "False", "ListenersNotValid"));
        await g.GatewayStatusMustHaveListenersAsync("gateway-only-unsupported-protocols",
            new ExpectedListener("invalid", [], 0, new ExpectedCondition("Accepted", "False", "UnsupportedProtocol")));

        // Gateway with at least one accepted listener is accepted, and says which listeners are not valid
        await g.GatewayMustHaveLatestConditionsAsync("gateway-supported-and-unsupported-protocols");
        await g.GatewayMustHaveConditionAsync("gateway-supported-and-unsupported-protocols", new ExpectedCondition("Accepted", "True", "ListenersNotValid"));
        await g.GatewayStatusMustHaveListenersAsync("gateway-supported-and-unsupported-protocols",
            new ExpectedListener("http", HttpRoute, 0, new ExpectedCondition("Accepted", "True", "Accepted")),
            new ExpectedListener("invalid", [], 0, new ExpectedCondition("Accepted", "False", "UnsupportedProtocol")));
    }

    // httproute-invalid-parentref-not-matching-listener-port.go
    [Fact]
    public async Task HTTPRouteInvalidParentRefNotMatchingListenerPort()
    {
        const string route = "httproute-listener-not-matching-route-port";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-parentref-not-matching-listener-port.yaml");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, "same-namespace");
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, "same-namespace", new ExpectedCondition("Accepted", "False", "NoMatchingParent"));
        await g.HTTPRouteMustHaveNoAcceptedParentsAsync(route, Ns);
        await g.GatewayMustHaveZeroRoutesAsync("same-namespace");
    }

    // httproute-invalid-parentref-not-matching-section-name.go
    [Fact]
    public async Task HTTPRouteInvalidParentRefNotMatchingSectionName()
    {
        const string route = "httproute-listener-not-matching-section-name";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-parentref-not-matching-section-name.yaml");
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, "same-namespace", new ExpectedCondition("Accepted", "False", "NoMatchingParent"));
        await g.HTTPRouteMustHaveNoAcceptedParentsAsync(route, Ns);
        await g.GatewayMustHaveZeroRoutesAsync("same-namespace");
    }

    // httproute-invalid-parentref-section-name-not-matching-port.go
    [Fact]
    public async Task HTTPRouteInvalidParentRefSectionNameNotMatchingPort()
    {
        const string route = "httproute-listener-section-name-not-matching-port";
        const string gw = "gateway-with-one-not-matching-port-and-section-name-route";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-invalid-parentref-section-name-not-matching-port.yaml");
        await g.HTTPRouteMustHaveConditionAsync(route, Ns, gw, new ExpectedCondition("Accepted", "False", "NoMatchingParent"));
        await g.HTTPRouteMustHaveNoAcceptedParentsAsync(route, Ns);
        await g.GatewayMustHaveZeroRoutesAsync(gw);
    }

    // gateway-http-listener-isolation.go
    [Fact]
    public async Task GatewayHTTPListenerIsolation()
    {
        const string v1 = "infra-backend-v1";
        Expected[] cases =
        [
            new("/empty-hostname", "bar.com", Backend: v1, Namespace: Ns),
            new("/wildcard-example-com", "bar.com", Status: 404),
            new("/wildcard-foo-example-com", "bar.com", Status: 404),
            new("/abc-foo-example-com", "bar.com", Status: 404),
            new("/empty-hostname", "bar.example.com", Status: 404),
            new("/wildcard-example-com", "bar.example.com", Backend: v1, Namespace: Ns),
            new("/wildcard-foo-example-com", "bar.example.com", Status: 404),
            new("/abc-foo-example-com", "bar.example.com", Status: 404),
            new("/empty-hostname", "bar.foo.example.com", Status: 404),
            new("/wildcard-example-com", "bar.foo.example.com", Status: 404),
            new("/wildcard-foo-example-com", "bar.foo.example.com", Backend: v1, Namespace: Ns),
            new("/abc-foo-example-com", "bar.foo.example.com", Status: 404),
            new("/empty-hostname", "abc.foo.example.com", Status: 404),
            new("/wildcard-example-com", "abc.foo.example.com", Status: 404),
            new("/wildcard-foo-example-com", "abc.foo.example.com", Status: 404, Namespace: Ns),
            new("/abc-foo-example-com", "abc.foo.example.com", Backend: v1, Namespace: Ns),
        ];
        string[] listeners = ["empty-hostname", "wildcard-example-com", "wildcard-foo-example-com", "abc-foo-example-com"];
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-http-listener-isolation.yaml", "gateway-http-listener-isolation-with-hostname-intersection.yaml");

        // hostnames are configured only in listeners
        var routes = listeners.Select(l => "attaches-to-" + l).ToArray();
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync("http-listener-isolation", routes);
        foreach (var r in routes)
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(r, Ns, "http-listener-isolation");
        }

        await g.Requests.ExpectAllAsync(address, g.HttpPort, cases);

        // intersecting hostnames are configured in listeners and HTTPRoutes
        const string gw = "http-listener-isolation-with-hostname-intersection";
        routes = listeners.Select(l => $"attaches-to-{l}-with-hostname-intersection").ToArray();
        address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, routes);
        foreach (var r in routes)
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(r, Ns, gw);
        }

        await g.Requests.ExpectAllAsync(address, g.HttpPort, cases);
    }

    // httproute-listener-port-matching.go: upstream's ports 80/8080/8090 are three free ports here, also in the Host header.
    [Fact]
    public async Task HTTPRouteListenerPortMatching()
    {
        const string gw = "httproute-listener-port-matching";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-listener-port-matching.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw, "backend-v1", "backend-v2", "backend-v3");
        foreach (var r in new[] { "backend-v1", "backend-v2", "backend-v3" })
        {
            await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(r, Ns, gw);
        }

        var p8080 = suite.HttpPort8080.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var p8090 = suite.HttpPort8090.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await g.Requests.ExpectAllAsync(address, g.HttpPort, new Expected("/", "foo.com", Backend: "infra-backend-v1", Namespace: Ns));
        await g.Requests.ExpectAllAsync(address, suite.HttpPort8080,
            new Expected("/", $"foo.com:{p8080}", Backend: "infra-backend-v2", Namespace: Ns),
            new Expected("/", $"bar.com:{p8080}", Backend: "infra-backend-v2", Namespace: Ns));
        await g.Requests.ExpectAllAsync(address, suite.HttpPort8090,
            new Expected("/", $"foo.com:{p8090}", Backend: "infra-backend-v3", Namespace: Ns),
            new Expected("/", $"bar.com:{p8090}", Status: 404));
    }

    // gateway-invalid-parameters-ref.go
    [Fact]
    public async Task GatewayInvalidParametersRef()
    {
        const string gw = "gateway-invalid-parameters-ref";
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-invalid-parameters-ref.yaml");
        await g.GatewayMustHaveLatestConditionsAsync(gw);
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "False", "InvalidParameters"));
    }

    // gateway-static-addresses.go
    [Fact]
    public async Task GatewayStaticAddresses()
    {
        const string gw = "gateway-static-addresses";
        const string unusable = "192.0.2.1";
        var usable = $"127.250.{Random.Shared.Next(1, 250)}.{Random.Shared.Next(1, 250)}";
        var manifest = ConformanceSuite.Testdata("gateway-static-addresses.yaml")
            .Replace("{UNUSABLE_ADDRESS}", unusable, StringComparison.Ordinal).Replace("{USABLE_ADDRESS}", usable, StringComparison.Ordinal);
        await using var g = await ConformanceGateway.StartAsync(suite);
        g.Apply("gateway-static-addresses.yaml", manifest);
        await g.GatewayMustHaveLatestConditionsAsync(gw);

        // NOT accepted: an address type the implementation doesn't support
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "False", "UnsupportedAddress"));

        // remove the invalid address: accepted, but not programmed, as an address can't be used
        manifest = string.Join('\n', manifest.Split('\n').Where(l => !l.Contains("fake-invalid-type", StringComparison.Ordinal)));
        g.Apply("gateway-static-addresses.yaml", manifest);
        await g.GatewayMustHaveLatestConditionsAsync(gw);
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True", "Accepted"));
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Programmed", "False", "AddressNotUsable"));

        // remove the unusable address: accepted and programmed with the usable address only
        manifest = string.Join('\n', manifest.Split('\n').Where(l => !l.Contains(unusable, StringComparison.Ordinal)));
        g.Apply("gateway-static-addresses.yaml", manifest);
        await g.GatewayMustHaveLatestConditionsAsync(gw);
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Accepted", "True", "Accepted"));
        await g.GatewayMustHaveConditionAsync(gw, new ExpectedCondition("Programmed", "True", "Programmed"));
        await g.GatewayStatusMustHaveListenersAsync(gw, new ExpectedListener("http", HttpRoute, 0, AcceptedAndResolved));
        await g.EventuallyAsync(() => g.GatewayAsync(gw), o =>
        {
            var addresses = o["status"]?["addresses"]?.AsArray() ?? [];
            return addresses.Count == 1 && (string?)addresses[0]!["value"] == usable && (string?)addresses[0]!["type"] == "IPAddress"
                ? null : $"expected only the IPAddress {usable} in status.addresses";
        }, $"Gateway {gw} to report only its usable address");
    }

    // gateway-optional-address-value.go
    [Fact]
    public async Task GatewayOptionalAddressValue()
    {
        const string gw = "gateway-without-address-value";
        await using var g = await ConformanceGateway.StartAsync(suite, "gateway-optional-address-value.yaml");
        await g.GatewayMustHaveLatestConditionsAsync(gw);
        await g.EventuallyAsync(() => g.GatewayAsync(gw),
            o => string.IsNullOrEmpty((string?)o["status"]?["addresses"]?.AsArray().FirstOrDefault()?["value"]) ? "no address assigned" : null, $"Gateway {gw} to get an address");
    }
}
