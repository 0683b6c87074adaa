namespace Portcullis.FunctionalTests.Conformance;

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Upstream's provisional TCPRoute and UDPRoute conformance tests (kubernetes-sigs/gateway-api
/// conformance/tests/tcproute-*.go, udproute-*.go) on <see cref="L4ConformanceGateway"/>, one test per upstream
/// ShortName. Status is read from the admin endpoint; traffic goes through the real process with raw sockets, and a
/// backend is recognised as upstream does: by the echo's pod name starting with the backend's name.
/// </summary>
[Collection(L4ConformanceCollection.Name)]
public sealed class TCPRouteUDPRouteConformanceTests(L4ConformanceGateway fixture)
{
    private const string Ns = L4ConformanceGateway.Ns;

    // tcproute-multiple-routes-attachment.go: both routes Accepted, the listener counts 2, only the oldest serves.
    [Fact]
    public async Task TCPRouteMultipleRoutesAttachment()
    {
        const string gateway = "tcp-multi-route-attach-gateway";
        await RouteMustHaveConditionAsync("tcproutes", "tcproute-attach-older", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, "tcp");
        await EventuallyTcpBackendAsync(address, port, "tcp-attach-backend-1");

        // Upstream waits a second so the newer route's creationTimestamp is strictly later.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        fixture.Scenario.WriteByRename("03-newer-tcp.yaml",
            L4ConformanceGateway.NewerRoute("TCPRoute", "tcproute-attach-newer", gateway, "tcp", "tcp-attach-backend-2", 3000));
        try
        {
            await RouteMustHaveConditionAsync("tcproutes", "tcproute-attach-newer", "Accepted", "True", "Accepted");
            await RouteMustHaveConditionAsync("tcproutes", "tcproute-attach-older", "Accepted", "True", "Accepted");
            await ListenerMustHaveAsync(gateway, "tcp", "TCPRoute", attachedRoutes: 2);

            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(Pod("tcp-attach-backend-1"), await TcpBackendAsync(address, port));
            }
        }
        finally
        {
            fixture.Scenario.Delete("03-newer-tcp.yaml");
        }
    }

    // udproute-multiple-routes-attachment.go
    [Fact]
    public async Task UDPRouteMultipleRoutesAttachment()
    {
        const string gateway = "udp-multi-route-attach-gateway";
        await RouteMustHaveConditionAsync("udproutes", "udproute-attach-older", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, "udp");
        await GatewayProcess.EventuallyAsync(async () => await UdpBackendAsync(address, port) == Pod("udp-attach-backend-1"),
            "the older UDPRoute to serve");

        await Task.Delay(TimeSpan.FromSeconds(1.1));
        fixture.Scenario.WriteByRename("03-newer-udp.yaml",
            L4ConformanceGateway.NewerRoute("UDPRoute", "udproute-attach-newer", gateway, "udp", "udp-attach-backend-2", 8080));
        try
        {
            await RouteMustHaveConditionAsync("udproutes", "udproute-attach-newer", "Accepted", "True", "Accepted");
            await RouteMustHaveConditionAsync("udproutes", "udproute-attach-older", "Accepted", "True", "Accepted");
            await ListenerMustHaveAsync(gateway, "udp", "UDPRoute", attachedRoutes: 2);

            // Each probe comes from a new client port, so each is a new UDP session the listener assigns afresh.
            for (var i = 0; i < 20; i++)
            {
                Assert.Equal(Pod("udp-attach-backend-1"), await UdpBackendAsync(address, port));
            }
        }
        finally
        {
            fixture.Scenario.Delete("03-newer-udp.yaml");
        }
    }

    // tcproute-invalid-backendref-nonexistent.go
    [Fact]
    public Task TCPRouteInvalidBackendRefNonexistent() =>
        RouteMustHaveConditionAsync("tcproutes", "tcp-route-invalid-backend-ref-nonexistent", "ResolvedRefs", "False", "BackendNotFound");

    // udproute-invalid-backendref-nonexistent.go
    [Fact]
    public Task UDPRouteInvalidBackendRefNonexistent() =>
        RouteMustHaveConditionAsync("udproutes", "udp-route-invalid-backend-ref-nonexistent", "ResolvedRefs", "False", "BackendNotFound");

    // tcproute-invalid-cross-namespace-backend-ref.go: still Accepted; only the backend is refused.
    [Fact]
    public async Task TCPRouteInvalidCrossNamespaceBackendRef()
    {
        await RouteMustHaveConditionAsync("tcproutes", "tcp-invalid-cross-namespace-backend-ref", "Accepted", "True", "Accepted");
        await RouteMustHaveConditionAsync("tcproutes", "tcp-invalid-cross-namespace-backend-ref", "ResolvedRefs", "False", "RefNotPermitted");
    }

    // udproute-invalid-cross-namespace-backend-ref.go
    [Fact]
    public async Task UDPRouteInvalidCrossNamespaceBackendRef()
    {
        await RouteMustHaveConditionAsync("udproutes", "udp-route-invalid-cross-namespace-backend-ref", "Accepted", "True", "Accepted");
        await RouteMustHaveConditionAsync("udproutes", "udp-route-invalid-cross-namespace-backend-ref", "ResolvedRefs", "False", "RefNotPermitted");
    }

    // tcproute-invalid-non-tcp-listener.go
    [Fact]
    public async Task TCPRouteInvalidNonTCPListener()
    {
        await RouteMustHaveConditionAsync("tcproutes", "tcp-route", "Accepted", "False", "NotAllowedByListeners");
        await GatewayMustHaveZeroRoutesAsync("tcp-mixed-protocol-gateway");
    }

    // udproute-not-allowed-by-listeners.go
    [Fact]
    public async Task UDPRouteNotAllowedByListeners()
    {
        await RouteMustHaveConditionAsync("udproutes", "udproute-not-allowed-by-listeners", "Accepted", "False", "NotAllowedByListeners");
        await GatewayMustHaveZeroRoutesAsync("udproute-tls-only-gateway");
    }

    // tcproute-parentref-attach-all.go: no sectionName, no port: every TCP listener.
    [Fact]
    public async Task TCPRouteParentRefAttachAll()
    {
        const string gateway = "tcp-attach-all-gateway";
        await RouteMustHaveConditionAsync("tcproutes", "tcp-route-attach-all", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        foreach (var listener in new[] { "one", "two", "three", "four" })
        {
            await EventuallyTcpBackendAsync(address, fixture.Port(gateway, listener), "tcp-echo-attach-all");
        }
    }

    // tcproute-parentref-port-and-section-name.go
    [Fact]
    public async Task TCPRouteParentRefPortAndSectionName()
    {
        const string gateway = "tcp-multi-listener-gateway";
        var address = await fixture.AddressAsync(gateway);
        foreach (var (route, listener, backend) in new[]
        {
            ("tcp-route-by-port", "one", "tcp-echo-one"),
            ("tcp-route-by-section", "two", "tcp-echo-two"),
            ("tcp-route-by-section-and-port", "three", "tcp-echo-three"),
        })
        {
            await RouteMustHaveConditionAsync("tcproutes", route, "Accepted", "True", "Accepted");
            await EventuallyTcpBackendAsync(address, fixture.Port(gateway, listener), backend);
        }
    }

    // tcproute-reference-grant.go: served across namespaces while granted; RefNotPermitted once the grant is gone.
    [Fact]
    public async Task TCPRouteReferenceGrant()
    {
        const string gateway = "tcp-reference-grant-gateway";
        await RouteMustHaveConditionAsync("tcproutes", "tcp-reference-grant", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, "tcp");
        await EventuallyTcpBackendAsync(address, port, "tcp-reference-grant-backend");
        var test = await TcpTestAsync(address, port);
        Assert.Equal(L4ConformanceGateway.WebNs, (string?)test["namespace"]);

        await WithoutDocumentAsync("kind: ReferenceGrant\nmetadata:\n  name: tcp-reference-grant\n", () =>
            RouteMustHaveConditionAsync("tcproutes", "tcp-reference-grant", "ResolvedRefs", "False", "RefNotPermitted"));
        await RouteMustHaveConditionAsync("tcproutes", "tcp-reference-grant", "ResolvedRefs", "True", "ResolvedRefs");
    }

    /// <summary>Runs <paramref name="check"/> with the routes file's document containing <paramref name="marker"/> deleted, then puts it back.</summary>
    private async Task WithoutDocumentAsync(string marker, Func<Task> check)
    {
        var routes = Path.Combine(fixture.Scenario.Config, "02-routes.yaml");
        var original = await File.ReadAllTextAsync(routes);
        var at = original.IndexOf(marker, StringComparison.Ordinal);
        Assert.True(at >= 0, $"no document with {marker}");
        var start = original.LastIndexOf("---\n", at, StringComparison.Ordinal);
        var end = original.IndexOf("---\n", at, StringComparison.Ordinal);
        fixture.Scenario.WriteByRename("02-routes.yaml", original[..start] + original[end..]);
        try
        {
            await check();
        }
        finally
        {
            fixture.Scenario.WriteByRename("02-routes.yaml", original);
        }
    }

    // udproute-parentref-attach-all-listeners.go: no sectionName, no port: every UDP listener, each counting the route.
    [Fact]
    public async Task UDPRouteParentRefAttachAllListeners()
    {
        const string gateway = "udp-attach-all-listeners-gateway";
        await RouteMustHaveConditionAsync("udproutes", "udp-route-attach-all", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        foreach (var listener in new[] { "udp-1", "udp-2", "udp-3" })
        {
            await ListenerMustHaveAsync(gateway, listener, "UDPRoute", attachedRoutes: 1);
            var port = fixture.Port(gateway, listener);
            await GatewayProcess.EventuallyAsync(async () => await UdpBackendAsync(address, port) == Pod("udp-echo-attach-all"), $"{listener} to reach the backend");
        }
    }

    // udproute-parentref-port-and-section-name.go
    [Fact]
    public async Task UDPRouteParentRefPortAndSectionName()
    {
        const string gateway = "udp-multi-listener-gateway";
        var address = await fixture.AddressAsync(gateway);
        foreach (var (route, listener, backend) in new[]
        {
            ("udp-route-by-port", "by-port", "udp-echo-by-port"),
            ("udp-route-by-section", "by-section", "udp-echo-by-section"),
            ("udp-route-by-section-and-port", "by-section-and-port", "udp-echo-by-section-and-port"),
        })
        {
            await RouteMustHaveConditionAsync("udproutes", route, "Accepted", "True", "Accepted");
            var port = fixture.Port(gateway, listener);
            await GatewayProcess.EventuallyAsync(async () => await UdpBackendAsync(address, port) == Pod(backend), $"{listener} to reach {backend}");
        }
    }

    // udproute-reference-grant.go: served across namespaces while granted; RefNotPermitted once the grant is gone.
    [Fact]
    public async Task UDPRouteReferenceGrant()
    {
        const string gateway = "udp-gateway-reference-grant";
        await RouteMustHaveConditionAsync("udproutes", "udp-route-reference-grant", "Accepted", "True", "Accepted");
        await RouteMustHaveConditionAsync("udproutes", "udp-route-reference-grant", "ResolvedRefs", "True", "ResolvedRefs");
        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, "udp");
        JsonNode? reply = null;
        await GatewayProcess.EventuallyAsync(async () => (reply = await UdpReplyAsync(address, port)) is not null, "the granted backend to answer");
        Assert.Equal("udp-echo-reference-grant", L4ConformanceGateway.BackendOf((string)reply!["pod"]!));
        Assert.Equal(L4ConformanceGateway.AppNs, (string?)reply["namespace"]);

        await WithoutDocumentAsync("kind: ReferenceGrant\nmetadata:\n  name: udp-reference-grant\n", () =>
            RouteMustHaveConditionAsync("udproutes", "udp-route-reference-grant", "ResolvedRefs", "False", "RefNotPermitted"));
        await RouteMustHaveConditionAsync("udproutes", "udp-route-reference-grant", "ResolvedRefs", "True", "ResolvedRefs");
    }

    // udproute-weighted-routing.go: 70/30 over v1/v2 and nothing to v3 (weight 0).
    [Fact]
    public async Task UDPRouteWeightedRouting()
    {
        const string gateway = "udp-weighted-gateway";
        await RouteMustHaveConditionAsync("udproutes", "udp-weighted-route", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, "udp");
        var counts = new Dictionary<string, int>();
        const int total = 300;
        for (var i = 0; i < total; i++)
        {
            var backend = await UdpBackendAsync(address, port);
            counts[backend] = counts.GetValueOrDefault(backend) + 1;
        }

        // 70% of 300 is 210 with a binomial standard deviation of ~8: +-40 is 5 sigma. v3 never answers (and
        // would time the probe out), so every probe answered by v1 or v2 also shows v3 got none.
        Assert.InRange(counts.GetValueOrDefault("udp-backend-v1"), 170, 250);
        Assert.Equal(total, counts.GetValueOrDefault("udp-backend-v1") + counts.GetValueOrDefault("udp-backend-v2"));
    }

    private async Task RouteMustHaveConditionAsync(string plural, string route, string type, string status, string reason)
    {
        JsonNode? last = null;
        try
        {
            await GatewayProcess.EventuallyAsync(async () =>
            {
                try
                {
                    last = await fixture.RouteAsync(plural, route);
                }
                catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.NotFound)
                {
                    return false; // a route just written is not loaded yet
                }

                var condition = last["status"]?["parents"]?[0]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);
                return (string?)condition?["status"] == status && (string?)condition?["reason"] == reason;
            }, $"{plural}/{route} {type}={status} {reason}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; status: {last?["status"]?.ToJsonString()}", e);
        }
    }

    private async Task ListenerMustHaveAsync(string gateway, string listener, string kind, int attachedRoutes)
    {
        JsonNode? last = null;
        try
        {
            await GatewayProcess.EventuallyAsync(async () =>
            {
                last = (await fixture.GatewayAsync(gateway))["status"]?["listeners"]?.AsArray().FirstOrDefault(l => (string?)l?["name"] == listener);
                var accepted = last?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "True" && (string?)c?["reason"] == "Accepted");
                var kinds = last?["supportedKinds"]?.AsArray().Select(k => (string?)k?["kind"]).ToArray() ?? [];
                return accepted == true && kinds.SequenceEqual([kind]) && (int?)last?["attachedRoutes"] == attachedRoutes;
            }, $"listener {gateway}/{listener}: Accepted, supportedKinds [{kind}], attachedRoutes {attachedRoutes}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; listener status: {last?.ToJsonString()}", e);
        }
    }

    private async Task GatewayMustHaveZeroRoutesAsync(string gateway)
    {
        var listeners = (await fixture.GatewayAsync(gateway))["status"]?["listeners"]?.AsArray() ?? [];
        Assert.NotEmpty(listeners);
        Assert.All(listeners, l => Assert.Equal(0, (int?)l?["attachedRoutes"]));
    }

    private static async Task<JsonNode> TcpTestAsync(string address, int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(IPAddress.Parse(address), port, timeout.Token);
        await using var stream = new NetworkStream(socket);
        return await L4Gateway.TcpTestAsync(stream).WaitAsync(timeout.Token);
    }

    /// <summary>The backend (the echo pod's name up to its replica-set hash) one TCP connection reaches.</summary>
    private static async Task<string> TcpBackendAsync(string address, int port) =>
        L4ConformanceGateway.BackendOf((string)(await TcpTestAsync(address, port))["pod"]!);

    private static Task EventuallyTcpBackendAsync(string address, int port, string backend) =>
        GatewayProcess.EventuallyAsync(async () =>
        {
            try
            {
                return await TcpBackendAsync(address, port) == Pod(backend);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                return false;
            }
        }, $"{address}:{port} to reach {backend}");

    /// <summary>One datagram from a new client port; the backend that answered it (or "" if none did in 2 s).</summary>
    private static async Task<string> UdpBackendAsync(string address, int port) =>
        await UdpReplyAsync(address, port) is { } reply ? L4ConformanceGateway.BackendOf((string)reply["pod"]!) : "";

    /// <summary>One datagram from a new client port; the echo's JSON reply, or null if none came in 2 s.</summary>
    private static async Task<JsonNode?> UdpReplyAsync(string address, int port)
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        client.Connect(IPAddress.Parse(address), port);
        await client.SendAsync("gateway-api-conformance-udp-weight\n"u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            return JsonNode.Parse((await client.ReceiveAsync(timeout.Token)).Buffer)!;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The echo that answers for upstream's <paramref name="backend"/> here (see <see cref="L4ConformanceGateway.Backends"/>).</summary>
    private static string Pod(string backend) => L4ConformanceGateway.Backends.GetValueOrDefault(backend, backend);
}
