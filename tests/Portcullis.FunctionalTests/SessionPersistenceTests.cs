namespace Portcullis.FunctionalTests;

using System.Globalization;
using System.Text.Json.Nodes;
using Grpc.Core;
using Portcullis.Cli.Echo.Protos;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Session persistence (GEP-1619) through the real process: one Service with two echo pods behind it, a route rule with
/// sessionPersistence (cookie or header), and a BackendLBPolicy. Upstream has no conformance tests for it yet.
/// </summary>
public sealed class SessionPersistenceTests
{
    private const string Host = "sticky.example.com";

    [Fact]
    public async Task CookieSession_FirstResponseSetsIt_LaterRequestsWithItStayOnOnePod_WithoutItSpread()
    {
        await using var s = Scenario.Create();
        var (address, _) = await StartAsync(s);
        using var client = Client(address, s.HttpPort);

        var (firstPod, setCookie) = await GetAsync(client, "/cookie");
        Assert.NotNull(setCookie);
        Assert.StartsWith("sticky-session=", setCookie, StringComparison.Ordinal);
        Assert.Contains("; Path=/", setCookie, StringComparison.Ordinal);
        Assert.Contains("; HttpOnly", setCookie, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", setCookie, StringComparison.Ordinal);
        var cookie = CookieOf(setCookie);

        for (var i = 0; i < 20; i++)
        {
            var (pod, again) = await GetAsync(client, "/cookie", cookie: cookie);
            Assert.Equal(firstPod, pod);
            Assert.Null(again); // the client's cookie is still right: nothing to re-issue
        }

        Assert.Equal(2, await DistinctPodsAsync(client, "/cookie"));
    }

    [Fact]
    public async Task HeaderSession_ResponseCarriesTheHeader_RequestsWithItStayOnOnePod()
    {
        await using var s = Scenario.Create();
        var (address, _) = await StartAsync(s);
        using var client = Client(address, s.HttpPort);

        using var first = await SendAsync(client, "/header");
        var session = Assert.Single(first.Headers.GetValues("X-Sticky"));
        var firstPod = await PodAsync(first);

        for (var i = 0; i < 20; i++)
        {
            var (pod, _) = await GetAsync(client, "/header", header: ("X-Sticky", session));
            Assert.Equal(firstPod, pod);
        }

        Assert.Equal(2, await DistinctPodsAsync(client, "/header"));
    }

    [Fact]
    public async Task EndpointRemoved_SessionIsPickedAgainAndReissued_ReloadKeepingItDoesNotMoveIt()
    {
        await using var s = Scenario.Create();
        var (address, _) = await StartAsync(s);
        using var client = Client(address, s.HttpPort);
        var (firstPod, setCookie) = await GetAsync(client, "/cookie");
        var cookie = CookieOf(setCookie);

        // A reload that keeps the endpoint (a new hostname on the route) keeps the session on its pod.
        s.WriteByRename("route.yaml", Route("also.example.com"));
        await GatewayProcess.EventuallyAsync(async () =>
        {
            using var r = await SendAsync(client, "/cookie", host: "also.example.com");
            return r.IsSuccessStatusCode;
        }, "the new hostname to be served");
        Assert.Equal(firstPod, (await GetAsync(client, "/cookie", cookie: cookie)).Pod);

        // Its pod leaves the Service: the session moves to the other pod with a new cookie, and stays there.
        s.Delete($"slice-{firstPod}.yaml");
        string? moved = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            var (pod, reissued) = await GetAsync(client, "/cookie", cookie: cookie);
            moved = pod != firstPod ? reissued : null;
            return moved is not null;
        }, "the session to move to the remaining pod with a new cookie");
        var newCookie = CookieOf(moved);
        Assert.NotEqual(cookie, newCookie);
        for (var i = 0; i < 5; i++)
        {
            var (pod, _) = await GetAsync(client, "/cookie", cookie: newCookie);
            Assert.NotEqual(firstPod, pod);
        }
    }

    [Fact]
    public async Task BackendLbPolicy_GivesTheServiceSessions_AndReportsItsStatus()
    {
        await using var s = Scenario.Create();
        var (address, gateway) = await StartAsync(s);
        using var client = Client(address, s.HttpPort);

        // /plain has no sessionPersistence of its own: without a policy it has no session.
        Assert.Null((await GetAsync(client, "/plain")).SetCookie);
        s.Write("policy.yaml", """
            apiVersion: gateway.networking.k8s.io/v1alpha2
            kind: BackendLBPolicy
            metadata:
              name: sticky-lb
            spec:
              targetRefs:
                - group: ""
                  kind: Service
                  name: sticky
              sessionPersistence:
                sessionName: lb-session
            """);

        string? setCookie = null;
        await GatewayProcess.EventuallyAsync(async () => (setCookie = (await GetAsync(client, "/plain")).SetCookie) is not null, "the policy's cookie");
        Assert.StartsWith("lb-session=", setCookie, StringComparison.Ordinal);

        // The rules' own sessionPersistence wins over the policy.
        Assert.StartsWith("sticky-session=", (await GetAsync(client, "/cookie")).SetCookie, StringComparison.Ordinal);

        var result = await ProcessRunner.Portcullis("get", "backendlbpolicy", "sticky-lb", "-o", "json", "--admin", gateway.AdminUrl);
        Assert.True(result.ExitCode == 0, result.StdErr + result.StdOut);
        var ancestor = JsonNode.Parse(result.StdOut)!["status"]!["ancestors"]![0]!;
        Assert.Equal("sni-gateway", (string?)ancestor["ancestorRef"]!["name"]);
        Assert.Equal("True", (string?)ancestor["conditions"]![0]!["status"]);
    }

    [Fact]
    public async Task GrpcRouteHeaderSession_CallsWithTheHeaderStayOnOnePod()
    {
        await using var s = Scenario.Create();
        var a = await GrpcEchoBackend.StartAsync("grpc-pod-a");
        var b = await GrpcEchoBackend.StartAsync("grpc-pod-b");
        s.Own(a);
        s.Own(b);
        WriteGatewayAndService(s, a.Port, b.Port);
        s.Write("route.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata:
              name: sticky
            spec:
              parentRefs:
                - name: sni-gateway
              hostnames: ["grpc.example.com"]
              rules:
                - backendRefs: [{ name: sticky, port: 80 }]
                  sessionPersistence:
                    type: Header
                    sessionName: x-grpc-session
            """);
        var gateway = await s.StartGatewayAsync();
        using var channel = GrpcClients.Channel($"http://grpc.example.com:{s.HttpPort}", await gateway.GatewayAddressAsync());
        var client = new GrpcEcho.GrpcEchoClient(channel);

        using var first = client.EchoAsync(new EchoRequest());
        var session = (await first.ResponseHeadersAsync).GetValue("x-grpc-session");
        Assert.NotNull(session);
        var firstPod = (await first).Assertions.Context.Pod;

        for (var i = 0; i < 20; i++)
        {
            var response = await client.EchoAsync(new EchoRequest(), new Metadata { { "x-grpc-session", session } });
            Assert.Equal(firstPod, response.Assertions.Context.Pod);
        }

        var pods = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20; i++)
        {
            pods.Add((await client.EchoAsync(new EchoRequest())).Assertions.Context.Pod);
        }

        Assert.Equal(2, pods.Count);
    }

    /// <summary>A client that keeps no cookies: each test sends the session cookie itself, or deliberately does not.</summary>
    private static HttpClient Client(string address, int port) =>
        new(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = new Uri($"http://{address}:{port}") };

    /// <summary>Two echo pods (pod-a, pod-b) as two EndpointSlices of Service sticky, and the route; returns the gateway's address.</summary>
    private static async Task<(string Address, GatewayProcess Gateway)> StartAsync(Scenario s)
    {
        var a = await s.StartEchoAsync("pod-a");
        var b = await s.StartEchoAsync("pod-b");
        WriteGatewayAndService(s, a.Port, b.Port);
        s.Write("route.yaml", Route());
        var gateway = await s.StartGatewayAsync();
        return (await gateway.GatewayAddressAsync(), gateway);
    }

    /// <summary>The class, the Gateway and Service sticky with one EndpointSlice per pod (slice-pod-a.yaml, slice-pod-b.yaml).</summary>
    private static void WriteGatewayAndService(Scenario s, int portA, int portB)
    {
        s.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        s.Write("02-sni-gateway.yaml", Manifests.SniGateway(s.HttpPort, s.HttpsPort));
        s.Write("service.yaml", """
            apiVersion: v1
            kind: Service
            metadata:
              name: sticky
            spec:
              ports:
                - name: http
                  port: 80
            """);
        s.Write("slice-pod-a.yaml", Slice("pod-a", portA));
        s.Write("slice-pod-b.yaml", Slice("pod-b", portB));
    }

    private static string Slice(string pod, int port) => $"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: sticky-{pod}
          labels:
            kubernetes.io/service-name: sticky
        addressType: IPv4
        ports:
          - name: http
            port: {port.ToString(CultureInfo.InvariantCulture)}
        endpoints:
          - addresses: ["127.0.0.1"]
        """;

    private static string Route(params string[] moreHostnames) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: sticky
        spec:
          parentRefs:
            - name: sni-gateway
          hostnames: [{{string.Join(", ", moreHostnames.Prepend(Host).Select(h => $"\"{h}\""))}}]
          rules:
            - matches: [{ path: { type: PathPrefix, value: /cookie } }]
              backendRefs: [{ name: sticky, port: 80 }]
              sessionPersistence:
                sessionName: sticky-session
            - matches: [{ path: { type: PathPrefix, value: /header } }]
              backendRefs: [{ name: sticky, port: 80 }]
              sessionPersistence:
                type: Header
                sessionName: X-Sticky
            - matches: [{ path: { type: PathPrefix, value: /plain } }]
              backendRefs: [{ name: sticky, port: 80 }]
        """;

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, string path, string? cookie = null,
        (string Name, string Value)? header = null, string host = Host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        if (header is { } h)
        {
            request.Headers.Add(h.Name, h.Value);
        }

        return await client.SendAsync(request);
    }

    private static async Task<(string Pod, string? SetCookie)> GetAsync(HttpClient client, string path, string? cookie = null,
        (string Name, string Value)? header = null)
    {
        using var response = await SendAsync(client, path, cookie, header);
        var setCookie = response.Headers.TryGetValues("Set-Cookie", out var values) ? values.Single() : null;
        return (await PodAsync(response), setCookie);
    }

    /// <summary>"name=value" of a Set-Cookie header, as a client sends it back.</summary>
    private static string CookieOf(string? setCookie)
    {
        Assert.NotNull(setCookie);
        return setCookie[..setCookie.IndexOf(';', StringComparison.Ordinal)];
    }

    private static async Task<string> PodAsync(HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        return (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["pod"]!;
    }

    /// <summary>How many pods 20 requests without a session reach (endpoints are taken in turn, so both).</summary>
    private static async Task<int> DistinctPodsAsync(HttpClient client, string path)
    {
        var pods = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 20; i++)
        {
            pods.Add((await GetAsync(client, path)).Pod);
        }

        return pods.Count;
    }
}
