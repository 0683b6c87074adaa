namespace Portcullis.FunctionalTests;

using Grpc.Core;
using Portcullis.Cli.Echo.Protos;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// One gateway with an HTTP and an HTTPS listener, two gRPC echo backends and GRPCRoutes that send calls by
/// method, by header and by weight: what a grpc-dotnet client sees through the real process. The Services
/// declare no appProtocol: GRPCRoute backends get h2c anyway.
/// </summary>
public sealed class GrpcRouteFixture : IAsyncLifetime
{
    internal Scenario Scenario { get; } = Scenario.Create();

    internal string Address { get; private set; } = "";

    internal WorkshopCertificate Example { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Example = await WorkshopCertificate.CreateAsync(Scenario.Certs, "example");
        var sample = await WorkshopCertificate.CreateAsync(Scenario.Certs, "sample");
        var v1 = await GrpcEchoBackend.StartAsync("grpc-v1-pod");
        var v2 = await GrpcEchoBackend.StartAsync("grpc-v2-pod");
        Scenario.Own(v1);
        Scenario.Own(v2);
        Scenario.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        Scenario.Write("01-example-cert.yaml", Example.SecretYaml("example-cert"));
        Scenario.Write("01-sample-cert.yaml", sample.SecretYaml("sample-cert"));

        // sample-cert first: it is what a client without SNI (or with an unknown name) gets.
        Scenario.Write("02-sni-gateway.yaml", Manifests.SniGateway(Scenario.HttpPort, Scenario.HttpsPort, "sample-cert", "example-cert"));
        Scenario.Write("03-grpc.yaml", $"""
            {Manifests.ServiceWithEndpoint("grpc-v1", 8080, v1.Port)}
            ---
            {Manifests.ServiceWithEndpoint("grpc-v2", 8080, v2.Port)}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata:
              name: grpc-echo
            spec:
              parentRefs:
                - name: sni-gateway
              hostnames: ["grpc.example.com", "www.example.com"]
              rules:
                - matches:
                    - method:
                        service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho
                        method: Echo
                  backendRefs:
                    - name: grpc-v1
                      port: 8080
                - matches:
                    - method:
                        service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho
                        method: EchoTwo
                      headers:
                        - name: x-backend
                          value: v2
                  filters:
                    - type: ResponseHeaderModifier
                      responseHeaderModifier:
                        set:
                            - name: x-route
                              value: header-match
                  backendRefs:
                    - name: grpc-v2
                      port: 8080
                - matches:
                    - method:
                        service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho
                  backendRefs:
                    - name: grpc-v1
                      port: 8080
                - matches:
                    - method:
                        type: RegularExpression
                        service: "portcullis\\.echo\\..*"
                  backendRefs:
                    - name: grpc-v2
                      port: 8080
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata:
              name: grpc-missing-backend
            spec:
              parentRefs:
                - name: sni-gateway
              hostnames: ["broken.example.com"]
              rules:
                - backendRefs:
                    - name: no-such-service
                      port: 8080
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata:
              name: grpc-weights
            spec:
              parentRefs:
                - name: sni-gateway
              hostnames: ["weights.example.com"]
              rules:
                - backendRefs:
                    - name: grpc-v1
                      port: 8080
                      weight: 1
                    - name: grpc-v2
                      port: 8080
                      weight: 1
            """);
        var gateway = await Scenario.StartGatewayAsync();
        Address = await gateway.GatewayAddressAsync();
    }

    public async Task DisposeAsync() => await Scenario.DisposeAsync();
}

public sealed class GrpcRouteTests(GrpcRouteFixture fixture) : IClassFixture<GrpcRouteFixture>
{
    private GrpcEcho.GrpcEchoClient Plain(string host) =>
        new(GrpcClients.Channel($"http://{host}:{fixture.Scenario.HttpPort}", fixture.Address));

    private static Metadata Headers(params (string Name, string Value)[] headers)
    {
        var metadata = new Metadata();
        foreach (var (name, value) in headers)
        {
            metadata.Add(name, value);
        }

        return metadata;
    }

    [Fact]
    public async Task Echo_OverH2cOnHttpListener_ReachesTheExactMethodMatchBackend()
    {
        var response = await Plain("grpc.example.com").EchoAsync(new EchoRequest());

        Assert.Equal("grpc-v1-pod", response.Assertions.Context.Pod);
        Assert.Equal("/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo", response.Assertions.FullyQualifiedMethod);
        Assert.StartsWith("grpc.example.com", response.Assertions.Authority, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EchoTwo_WithMatchingHeader_ReachesTheHeaderMatchBackendAndGetsItsFilters()
    {
        var call = Plain("grpc.example.com").EchoTwoAsync(new EchoRequest(), Headers(("x-backend", "v2")));
        var response = await call;
        var headers = await call.ResponseHeadersAsync;

        Assert.Equal("grpc-v2-pod", response.Assertions.Context.Pod);
        Assert.Equal("header-match", headers.GetValue("x-route"));
        Assert.Contains(response.Assertions.Headers, h => h.Key == "x-backend" && h.Value == "v2");
    }

    [Fact]
    public async Task EchoTwo_WithoutTheHeader_FallsToTheServiceMatch()
    {
        var response = await Plain("grpc.example.com").EchoTwoAsync(new EchoRequest(), Headers(("x-backend", "v3")));

        Assert.Equal("grpc-v1-pod", response.Assertions.Context.Pod);
    }

    [Fact]
    public async Task EchoThree_ThroughTheGateway_IsUnimplementedByTheBackend()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Plain("grpc.example.com").EchoThreeAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
    }

    [Fact]
    public async Task Echo_ForAHostWithoutRoute_IsUnimplemented()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Plain("nothing.example.com").EchoAsync(new EchoRequest()));

        // The gateway answers trailers-only with grpc-status and its own message (a bare HTTP 404 would give the
        // client's generic "Bad gRPC response. HTTP status code: 404").
        Assert.Equal(StatusCode.Unimplemented, e.StatusCode);
        Assert.Equal("no route for this service and method", e.Status.Detail);
    }

    [Fact]
    public async Task Echo_ToARuleWhoseBackendIsInvalid_IsUnavailable()
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () => await Plain("broken.example.com").EchoAsync(new EchoRequest()));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Equal("no backend is available for this route", e.Status.Detail);
    }

    [Fact]
    public async Task Echo_OverTlsOnHttpsListener_SelectsTheCertificateBySniAndSpeaksH2()
    {
        // The client trusts only the example CA: getting its certificate rather than the default sample one means SNI chose it.
        using var channel = GrpcClients.Channel($"https://www.example.com:{fixture.Scenario.HttpsPort}", fixture.Address, fixture.Example.CaCert);
        var response = await new GrpcEcho.GrpcEchoClient(channel).EchoAsync(new EchoRequest());

        Assert.Equal("grpc-v1-pod", response.Assertions.Context.Pod);
        Assert.StartsWith("www.example.com", response.Assertions.Authority, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ticks_ServerStreamingForSeveralSeconds_IsNotCut()
    {
        using var channel = GrpcClients.Channel($"http://grpc.example.com:{fixture.Scenario.HttpPort}", fixture.Address);
        using var call = new EchoStream.EchoStreamClient(channel).Ticks(new TickRequest { Count = 8, IntervalMs = 500 });
        var received = new List<Tick>();
        await foreach (var tick in call.ResponseStream.ReadAllAsync())
        {
            received.Add(tick);
        }

        Assert.Equal(Enumerable.Range(0, 8), received.Select(t => t.Index));
        Assert.All(received, t => Assert.Equal("grpc-v2-pod", t.Pod));
    }

    [Fact]
    public async Task Echo_WithEqualWeights_ReachesBothBackends()
    {
        var client = Plain("weights.example.com");
        var pods = new HashSet<string>();
        for (var i = 0; i < 40 && pods.Count < 2; i++)
        {
            pods.Add((await client.EchoAsync(new EchoRequest())).Assertions.Context.Pod);
        }

        Assert.Equal(["grpc-v1-pod", "grpc-v2-pod"], pods.Order());
    }
}
