namespace Portcullis.FunctionalTests.Conformance;

using System.Globalization;

/// <summary>
/// Upstream's RequestRedirect tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/). Redirects are never
/// followed; the Location is compared part by part as upstream's CompareRoundTrip does.
/// </summary>
/// <remarks>
/// Upstream's listeners are on 80, 8080 and 443, ours on free ports. Where upstream leaves the expected redirect
/// port empty and the redirect keeps the scheme, the spec makes the port the listener's, which upstream can check
/// only as "80 (or omitted)"; here that listener port is not a default port, so the Location must name it, and
/// the test says so (<see cref="ListenerPort"/>). Ports written in the filters stay as upstream has them: they are
/// only numbers in the Location.
/// </remarks>
[Collection(ConformanceCollection.Name)]
public sealed class HTTPRouteRedirectTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string Gw = "same-namespace";

    private static string ListenerPort(int port) => port.ToString(CultureInfo.InvariantCulture);

    // httproute-redirect-host-and-status.go
    [Fact]
    public async Task HTTPRouteRedirectHostAndStatus()
    {
        const string route = "redirect-host-and-status";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-redirect-host-and-status.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        var port = ListenerPort(g.HttpPort);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/hostname-redirect", Status: 302, Namespace: Ns) { Redirect = new(Host: "example.org", Port: port) },
            new Expected("/host-and-status", Status: 301, Namespace: Ns) { Redirect = new(Host: "example.org", Port: port) });
    }

    // httproute-redirect-path.go
    [Fact]
    public async Task HTTPRouteRedirectPath()
    {
        const string route = "redirect-path";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-redirect-path.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        var port = ListenerPort(g.HttpPort);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/original-prefix/lemon", Status: 302, Namespace: Ns) { Redirect = new(Port: port, Path: "/replacement-prefix/lemon") },
            new Expected("/full/path/original", Status: 302, Namespace: Ns) { Redirect = new(Port: port, Path: "/full-path-replacement") },
            new Expected("/path-and-host", Status: 302, Namespace: Ns) { Redirect = new(Host: "example.org", Port: port, Path: "/replacement-prefix") },
            new Expected("/path-and-status", Status: 301, Namespace: Ns) { Redirect = new(Port: port, Path: "/replacement-prefix") },
            new Expected("/full-path-and-host", Status: 302, Namespace: Ns) { Redirect = new(Host: "example.org", Port: port, Path: "/replacement-full") },
            new Expected("/full-path-and-status", Status: 301, Namespace: Ns) { Redirect = new(Port: port, Path: "/replacement-full") });
    }

    // httproute-redirect-port.go
    [Fact]
    public async Task HTTPRouteRedirectPort()
    {
        const string route = "redirect-port";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-redirect-port.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/port", Status: 302, Namespace: Ns) { Redirect = new(Port: "8083") },
            new Expected("/port-and-host", Status: 302, Namespace: Ns) { Redirect = new(Host: "example.org", Port: "8083") },
            new Expected("/port-and-status", Status: 301, Namespace: Ns) { Redirect = new(Port: "8083") },
            new Expected("/port-and-host-and-status", Status: 302, Namespace: Ns) { Redirect = new(Host: "example.org", Port: "8083") });
    }

    // httproute-redirect-scheme.go: a new scheme without a port means that scheme's well-known port (omitted or 443).
    [Fact]
    public async Task HTTPRouteRedirectScheme()
    {
        const string route = "redirect-scheme";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-redirect-scheme.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected("/scheme", Status: 302, Namespace: Ns) { Redirect = new(Scheme: "https") },
            new Expected("/scheme-and-host", Status: 302, Namespace: Ns) { Redirect = new(Scheme: "https", Host: "example.org") },
            new Expected("/scheme-and-status", Status: 301, Namespace: Ns) { Redirect = new(Scheme: "https") },
            new Expected("/scheme-and-host-and-status", Status: 302, Namespace: Ns) { Redirect = new(Scheme: "https", Host: "example.org") });
    }

    // httproute-redirect-port-and-scheme.go
    [Fact]
    public async Task HTTPRouteRedirectPortAndScheme()
    {
        const string gw8080 = "same-namespace-with-http-listener-on-8080";
        const string gw443 = "same-namespace-with-https-listener";
        await using var g = await ConformanceGateway.StartAsync(suite, "httproute-redirect-port-and-scheme.yaml");
        var address80 = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, "http-route-for-listener-on-port-80");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("http-route-for-listener-on-port-80", Ns, Gw);
        var address8080 = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw8080, "http-route-for-listener-on-port-8080");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("http-route-for-listener-on-port-8080", Ns, gw8080);
        var address443 = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(gw443, "http-route-for-listener-on-port-443");
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync("http-route-for-listener-on-port-443", Ns, gw443);

        // http-listener-on-80: no scheme and no port keep the listener's port (upstream: 80, so "80 or omitted").
        await g.Requests.ExpectAllAsync(address80, g.HttpPort,
            new Expected("/scheme-nil-and-port-nil", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org", ListenerPort(g.HttpPort)) },
            new Expected("/scheme-nil-and-port-80", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org") },
            new Expected("/scheme-nil-and-port-8080", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org", "8080") },
            new Expected("/scheme-https-and-port-nil", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org") },
            new Expected("/scheme-https-and-port-443", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org") },
            new Expected("/scheme-https-and-port-8443", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org", "8443") });

        // http-listener-on-8080: upstream expects "8080" for no scheme and no port, the listener's port.
        await g.Requests.ExpectAllAsync(address8080, suite.HttpPort8080,
            new Expected("/scheme-nil-and-port-nil", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org", ListenerPort(suite.HttpPort8080)) },
            new Expected("/scheme-nil-and-port-80", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org") },
            new Expected("/scheme-https-and-port-nil", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org") });

        // https-listener-on-443, SNI and Host example.org: no scheme and no port keep https and the listener's port.
        await g.Requests.ExpectAllAsync(address443, g.HttpsPort, "https",
            new Expected("/scheme-nil-and-port-nil", "example.org", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org", ListenerPort(g.HttpsPort)) },
            new Expected("/scheme-nil-and-port-443", "example.org", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org") },
            new Expected("/scheme-nil-and-port-8443", "example.org", Status: 302, Namespace: Ns) { Redirect = new("https", "example.org", "8443") },
            new Expected("/scheme-http-and-port-nil", "example.org", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org") },
            new Expected("/scheme-http-and-port-80", "example.org", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org") },
            new Expected("/scheme-http-and-port-8080", "example.org", Status: 302, Namespace: Ns) { Redirect = new("http", "example.org", "8080") });
    }

    // httproute-303-redirect.go (provisional upstream): a POST gets 303, scheme, host, path and the listener's port kept.
    [Fact]
    public Task HTTPRoute303Redirect() => StatusOnlyRedirectAsync(303, "/see-other", "POST");

    // httproute-307-redirect.go (provisional upstream)
    [Fact]
    public Task HTTPRoute307Redirect() => StatusOnlyRedirectAsync(307, "/temporary", "GET");

    // httproute-308-redirect.go (provisional upstream)
    [Fact]
    public Task HTTPRoute308Redirect() => StatusOnlyRedirectAsync(308, "/permanent", "GET");

    private async Task StatusOnlyRedirectAsync(int status, string path, string method)
    {
        var route = status.ToString(CultureInfo.InvariantCulture) + "-redirect";
        await using var g = await ConformanceGateway.StartAsync(suite, $"httproute-{route}.yaml");
        var address = await g.GatewayAndHTTPRoutesMustBeAcceptedAsync(Gw, route);
        await g.HTTPRouteMustHaveResolvedRefsConditionsTrueAsync(route, Ns, Gw);
        await g.Requests.ExpectAllAsync(address, g.HttpPort,
            new Expected(path, Method: method, Status: status, Namespace: Ns) { Redirect = new(Port: ListenerPort(g.HttpPort), Path: path) });
    }
}
