namespace Portcullis.FunctionalTests.Conformance;

using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Upstream's TLSRoute, TCPRoute and UDPRoute conformance tests (kubernetes-sigs/gateway-api v1.6.1
/// conformance/tests/tlsroute-*.go, tcproute-*.go, udproute-*.go), against one gateway whose manifests
/// (<see cref="L4Gateway"/>) hold upstream's objects side by side, with upstream's names, in
/// gateway-conformance-infra. The backends are `portcullis echo` in echo-basic's TCP and UDP modes.
/// </summary>
[Collection(L4Collection.Name)]
public sealed class L4RouteConformanceTests(L4Gateway fixture)
{
    // tlsroute-simple-same-namespace.go: the backend terminates TLS itself and saw the client's SNI.
    [Fact]
    public async Task TLSRouteSimpleSameNamespace()
    {
        var route = await fixture.RouteAsync("tlsroutes", "gateway-conformance-infra-test");
        AssertParentCondition(route, "Accepted", "True", "Accepted");

        var l4 = new L4Tests(fixture);
        using var socket = await l4.ConnectAsync(fixture.TlsPort);
        await using var ssl = await l4.TlsToBackendAsync(socket, L4Gateway.BackendHost);
        var test = await L4Gateway.TcpTestAsync(ssl);

        Assert.True((bool?)test["isTLS"]);
        Assert.Equal(L4Gateway.Ns, (string?)test["namespace"]);
        Assert.StartsWith("tcp-backend-", (string?)test["pod"], StringComparison.Ordinal);
        Assert.Equal(L4Gateway.BackendHost, (string?)test["tls"]?["serverName"]);
    }

    // tlsroute-invalid-no-matching-listener-hostname.go (the wildcard-listener half).
    [Fact]
    public async Task TLSRouteInvalidNoMatchingListenerHostname()
    {
        var route = await fixture.RouteAsync("tlsroutes", "tlsroute-hostname-mismatch");
        AssertParentCondition(route, "Accepted", "False", "NoMatchingListenerHostname");
    }

    // tlsroute-invalid-backendref-nonexistent.go: BackendNotFound, and the connection is rejected.
    [Fact]
    public async Task TLSRouteInvalidBackendRefNonexistent()
    {
        var route = await fixture.RouteAsync("tlsroutes", "invalid-backend-ref-nonexistent");
        AssertParentCondition(route, "ResolvedRefs", "False", "BackendNotFound");

        var l4 = new L4Tests(fixture);
        using var socket = await l4.ConnectAsync(fixture.TlsPort);
        await Assert.ThrowsAnyAsync<IOException>(() => l4.TlsToBackendAsync(socket, "nonexistent.example.com"));
    }

    // tcproute-weighted-routing.go: 70/30 and a zero-weight backend that gets nothing.
    [Fact]
    public async Task TCPRouteWeightedRouting()
    {
        var route = await fixture.RouteAsync("tcproutes", "tcp-weighted-route");
        AssertParentCondition(route, "Accepted", "True", "Accepted");

        var l4 = new L4Tests(fixture);
        var counts = new Dictionary<string, int>();
        const int total = 300;
        for (var i = 0; i < total; i++)
        {
            using var socket = await l4.ConnectAsync(fixture.WeightedTcpPort);
            await using var stream = new NetworkStream(socket);
            var pod = (string)(await L4Gateway.TcpTestAsync(stream))["pod"]!;
            var backend = pod[..pod.IndexOf('-', "tcp-backend-".Length)];
            counts[backend] = counts.GetValueOrDefault(backend) + 1;
        }

        // 70% of 300 is 210; the binomial standard deviation is ~8, so +-40 is 5 sigma.
        Assert.InRange(counts.GetValueOrDefault("tcp-backend-v1"), 170, 250);
        Assert.Equal(total, counts.GetValueOrDefault("tcp-backend-v1") + counts.GetValueOrDefault("tcp-backend-v2"));
    }

    // udproute-simple.go, with echo-basic's UDP echo where upstream queries CoreDNS.
    [Fact]
    public async Task UDPRouteSimple()
    {
        var route = await fixture.RouteAsync("udproutes", "udp-route");
        AssertParentCondition(route, "Accepted", "True", "Accepted");

        using var client = new UdpClient(new IPEndPoint(IPAddress.Parse(fixture.Address), 0));
        client.Connect(IPAddress.Parse(fixture.Address), fixture.UdpPort);
        await client.SendAsync("foo.bar.com."u8.ToArray());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var reply = JsonNode.Parse((await client.ReceiveAsync(timeout.Token)).Buffer)!;
        Assert.Equal("foo.bar.com.", (string?)reply["request"]);
    }

    private static void AssertParentCondition(JsonNode route, string type, string status, string reason)
    {
        var conditions = route["status"]?["parents"]?[0]?["conditions"]?.AsArray() ?? [];
        var condition = conditions.FirstOrDefault(c => (string?)c?["type"] == type);
        Assert.True(condition is not null, $"no {type} condition in {route["status"]?.ToJsonString()}");
        Assert.Equal((status, reason), ((string?)condition["status"], (string?)condition["reason"]));
    }
}
