namespace Portcullis.FunctionalTests.Conformance;

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Upstream's TLSRoute conformance tests not covered by <see cref="L4RouteConformanceTests"/>
/// (kubernetes-sigs/gateway-api conformance/tests/tlsroute-*.go), on <see cref="L4ConformanceGateway"/>. Backends
/// are `portcullis echo` in echo-basic's TCP mode terminating TLS itself (where upstream's hostname-intersection test
/// uses the HTTPS echo, we ask the TCP echo's TEST; both tell the backend by its pod name). Clients trust exactly the
/// certificate they should see (the backend's through passthrough, the gateway's through Terminate), so a handshake
/// that succeeds also proves who completed it.
/// </summary>
[Collection(L4ConformanceCollection.Name)]
public sealed class TLSRouteConformanceTests(L4ConformanceGateway fixture)
{
    // tlsroute-hostname-intersection.go: four listener hostnames (exact, *.example.com, *.com, none) against route
    // hostnames; a name in the intersection reaches its route's backend, any other is rejected.
    [Theory]
    [InlineData("gw-tlsroute-exact-hostname-x-1", "listener-exact-hostname", "tls-backend", null, "non.matching.com")]
    [InlineData("gw-tlsroute-more-specific-wc-hostname-x-2", "listener-more-specific-wc-hostname", "tls-backend", "tls-backend-2", "non.matching.com")]
    [InlineData("gw-tlsroute-less-specific-wc-hostname-x-3", "listener-less-specific-wc-hostname", "tls-backend", "tls-backend-2", "non.matching.com")]
    [InlineData("gw-tlsroute-empty-hostname-x-4", "listener-empty-hostname", "tls-backend", "tls-backend-2", "non.matching.org")]
    public async Task TLSRouteHostnameIntersection(string gateway, string listener, string exactBackend, string? wildcardBackend, string rejected)
    {
        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, listener);
        foreach (var route in (await RoutesOfAsync(gateway)))
        {
            await RouteMustHaveConditionAsync(route, "Accepted", "True", "Accepted");
            await RouteMustHaveConditionAsync(route, "ResolvedRefs", "True", "ResolvedRefs");
        }

        await EventuallyAsync(async () => await PassthroughBackendAsync(address, port, "abc.example.com") == exactBackend, $"abc.example.com to reach {exactBackend}");
        if (wildcardBackend is not null)
        {
            Assert.Equal(wildcardBackend, await PassthroughBackendAsync(address, port, "other.example.com"));
        }

        await AssertRejectedAsync(() => PassthroughBackendAsync(address, port, rejected));
    }

    // tlsroute-invalid-backendref-unknown-kind.go
    [Fact]
    public async Task TLSRouteInvalidBackendRefUnknownKind()
    {
        const string gateway = "gateway-tlsroute-invalid-backend-ref-unknown-kind";
        await RouteMustHaveConditionAsync("invalid-backend-ref-unknown-kind", "Accepted", "True", "Accepted");
        await RouteMustHaveConditionAsync("invalid-backend-ref-unknown-kind", "ResolvedRefs", "False", "InvalidKind");

        var address = await fixture.AddressAsync(gateway);
        await AssertRejectedAsync(() => PassthroughBackendAsync(address, fixture.Port(gateway, "tls"), "example.com"));
    }

    // tlsroute-invalid-no-matching-listener.go
    [Fact]
    public async Task TLSRouteInvalidNoMatchingListener()
    {
        await RouteMustHaveConditionAsync("tlsroute-not-allowed-protocol-http", "Accepted", "False", "NotAllowedByListeners");
        await RouteMustHaveConditionAsync("tlsroute-not-allowed-protocol-https", "Accepted", "False", "NotAllowedByListeners");
        await RouteMustHaveConditionAsync("tlsroute-no-matching-section-name", "Accepted", "False", "NoMatchingParent");
        foreach (var route in new[] { "tlsroute-not-allowed-protocol-http", "tlsroute-not-allowed-protocol-https", "tlsroute-no-matching-section-name" })
        {
            var parents = (await fixture.RouteAsync("tlsroutes", route))["status"]?["parents"]?.AsArray() ?? [];
            Assert.DoesNotContain(parents, p => p?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "True") == true);
        }

        foreach (var gateway in new[] { "gateway-tlsroute-http-only", "gateway-tlsroute-https-only" })
        {
            var listeners = (await fixture.GatewayAsync(gateway))["status"]?["listeners"]?.AsArray() ?? [];
            Assert.NotEmpty(listeners);
            Assert.All(listeners, l => Assert.Equal(0, (int?)l?["attachedRoutes"]));
        }
    }

    // tlsroute-invalid-reference-grant.go: five grants, each wrong in one way: RefNotPermitted.
    [Fact]
    public async Task TLSRouteInvalidReferenceGrant()
    {
        await RouteMustHaveConditionAsync("gateway-conformance-infra-test", "Accepted", "True", "Accepted");
        await RouteMustHaveConditionAsync("gateway-conformance-infra-test", "ResolvedRefs", "False", "RefNotPermitted");
    }

    // tlsroute-terminate-simple-same-namespace.go: the gateway completes the handshake; the backend gets plaintext.
    [Fact]
    public async Task TLSRouteTerminateSimpleSameNamespace()
    {
        const string gateway = "gateway-tlsroute-terminate";
        await RouteMustHaveConditionAsync("tlsroute-terminated-test", "Accepted", "True", "Accepted");
        var address = await fixture.AddressAsync(gateway);
        var test = await EventuallyTestAsync(address, fixture.Port(gateway, "tlsterminate"), "tls.example.com", fixture.TerminateCertificate);

        Assert.Equal("tcp-backend", L4ConformanceGateway.BackendOf((string)test["pod"]!));
        Assert.False((bool?)test["isTLS"]);
        Assert.Null(test["tls"]);
    }

    // tlsroute-mixed-termination-same-namespace.go: Terminate and Passthrough listeners on one port; SNI decides.
    [Fact]
    public async Task TLSRouteMixedTerminationSameNamespace()
    {
        const string gateway = "gateway-tlsroute-mixed-termination";
        await RouteMustHaveConditionAsync("gateway-conformance-mixed-passthroughroute", "Accepted", "True", "Accepted");
        await RouteMustHaveConditionAsync("gateway-conformance-mixed-terminateroute", "Accepted", "True", "Accepted");
        var listeners = (await fixture.GatewayAsync(gateway))["status"]!["listeners"]!.AsArray();
        foreach (var name in new[] { "tls-terminate", "tls-passthrough" })
        {
            var listener = listeners.Single(l => (string?)l?["name"] == name)!;
            Assert.Equal(1, (int?)listener["attachedRoutes"]);
            Assert.Equal(["TLSRoute"], listener["supportedKinds"]!.AsArray().Select(k => (string?)k?["kind"]));
            Assert.Contains(listener["conditions"]!.AsArray(), c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "True");
        }

        var address = await fixture.AddressAsync(gateway);
        var port = fixture.Port(gateway, "tls-terminate");
        Assert.Equal(port, fixture.Port(gateway, "tls-passthrough"));

        var terminated = await EventuallyTestAsync(address, port, "tls.example.com", fixture.TerminateCertificate);
        Assert.Equal("tcp-backend", L4ConformanceGateway.BackendOf((string)terminated["pod"]!));
        Assert.False((bool?)terminated["isTLS"]);

        var passedThrough = await EventuallyTestAsync(address, port, "abc.example.com", fixture.BackendCertificate);
        Assert.Equal("tcp-backend", L4ConformanceGateway.BackendOf((string)passedThrough["pod"]!));
        Assert.True((bool?)passedThrough["isTLS"]);
        Assert.Equal("abc.example.com", (string?)passedThrough["tls"]?["serverName"]);
    }

    /// <summary>upstream's MakeTLSConnectionAndExpectEventuallyConnectionRejection: the handshake never completes.</summary>
    private static async Task AssertRejectedAsync(Func<Task> connect)
    {
        var e = await Record.ExceptionAsync(connect);
        Assert.True(e is IOException or SocketException or AuthenticationException, $"expected the connection to be rejected, got {e?.GetType().Name ?? "a completed exchange"}: {e?.Message}");
    }

    // backendtlspolicy-tlsroute-terminate.go: terminated at the gateway (the client sees the gateway's certificate for
    // tls.example.com), re-encrypted to the backend with the policy's hostname as SNI and its CA.
    [Fact]
    public async Task BackendTLSPolicyTLSRouteTerminate()
    {
        const string gateway = "gateway-btls-tlsroute-terminate";
        await RouteMustHaveConditionAsync("backendtlspolicy-tlsroute-terminate", "Accepted", "True", "Accepted");
        JsonNode? policy = null;
        await EventuallyAsync(async () =>
        {
            policy = await fixture.Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{L4ConformanceGateway.Ns}/backendtlspolicies/btls-tlsroute-terminate-test");
            var ancestor = policy["status"]?["ancestors"]?.AsArray().FirstOrDefault(a => (string?)a?["ancestorRef"]?["name"] == gateway);
            var conditions = ancestor?["conditions"]?.AsArray() ?? [];
            return conditions.Any(c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "True")
                && conditions.Any(c => (string?)c?["type"] == "ResolvedRefs" && (string?)c?["status"] == "True");
        }, "the BackendTLSPolicy to be Accepted and ResolvedRefs for the Gateway");

        var address = await fixture.AddressAsync(gateway);
        JsonNode test;
        try
        {
            test = await EventuallyTestAsync(address, fixture.Port(gateway, "tls-terminate"), "tls.example.com", fixture.TerminateCertificate);
        }
        catch (Exception e) when (e is TimeoutException or Xunit.Sdk.XunitException)
        {
            var log = fixture.Process.Output;
            throw new TimeoutException($"{e.Message}\ngateway output (tail):\n{log[Math.Max(0, log.Length - 3000)..]}", e);
        }

        Assert.Equal("tcp-backend", L4ConformanceGateway.BackendOf((string)test["pod"]!));
        Assert.True((bool?)test["isTLS"]);
        Assert.Equal("abc.example.com", (string?)test["tls"]?["serverName"]);

        // Ours beyond upstream: a policy hostname the backend's certificate does not name gets the connection closed
        // (the client's handshake with the gateway succeeds, then nothing comes back), and the refusal is logged.
        const string mismatch = "gateway-btls-tlsroute-mismatch";
        await RouteMustHaveConditionAsync("backendtlspolicy-tlsroute-mismatch", "Accepted", "True", "Accepted");
        var mismatchAddress = await fixture.AddressAsync(mismatch);
        var refused = await Record.ExceptionAsync(() => TlsTestAsync(mismatchAddress, fixture.Port(mismatch, "tls-terminate"), "tls.example.com", fixture.TerminateCertificate));
        Assert.NotNull(refused);
        await GatewayProcess.EventuallyAsync(() => Task.FromResult(fixture.Process.Output.Contains("btls-tlsroute-mismatch) failed", StringComparison.Ordinal)),
            "the refused re-encryption to be logged");
    }

    private async Task<IEnumerable<string>> RoutesOfAsync(string gateway)
    {
        var all = await fixture.Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{L4ConformanceGateway.Ns}/tlsroutes");
        return all["items"]!.AsArray()
            .Where(r => r?["spec"]?["parentRefs"]?.AsArray().Any(p => (string?)p?["name"] == gateway) == true)
            .Select(r => (string)r!["metadata"]!["name"]!);
    }

    private async Task RouteMustHaveConditionAsync(string route, string type, string status, string reason)
    {
        JsonNode? last = null;
        try
        {
            await EventuallyAsync(async () =>
            {
                last = await fixture.RouteAsync("tlsroutes", route);
                var condition = last["status"]?["parents"]?[0]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);
                return (string?)condition?["status"] == status && (string?)condition?["reason"] == reason;
            }, $"tlsroutes/{route} {type}={status} {reason}");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}; status: {last?["status"]?.ToJsonString()}", e);
        }
    }

    private static Task EventuallyAsync(Func<Task<bool>> condition, string what) => GatewayProcess.EventuallyAsync(async () =>
    {
        try
        {
            return await condition();
        }
        catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
            return false;
        }
    }, what);

    private static async Task<JsonNode> EventuallyTestAsync(string address, int port, string serverName, string trustedPem)
    {
        JsonNode? test = null;
        await EventuallyAsync(async () => (test = await TlsTestAsync(address, port, serverName, trustedPem)) is not null, $"{serverName} on {address}:{port}");
        return test!;
    }

    /// <summary>A TLS connection with SNI <paramref name="serverName"/> trusting only <paramref name="trustedPem"/>, then echo-basic's TEST.</summary>
    private static async Task<JsonNode> TlsTestAsync(string address, int port, string serverName, string trustedPem)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Parse(address), port, timeout.Token);
        using var trusted = X509Certificate2.CreateFromPem(trustedPem);
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && certificate.GetCertHashString() == trusted.GetCertHashString(),
        }, timeout.Token);
        return await L4Gateway.TcpTestAsync(ssl).WaitAsync(timeout.Token);
    }

    private async Task<string> PassthroughBackendAsync(string address, int port, string serverName) =>
        L4ConformanceGateway.BackendOf((string)(await TlsTestAsync(address, port, serverName, fixture.BackendCertificate))["pod"]!);
}
