namespace Portcullis.FunctionalTests.Conformance;

using System.Text.Json.Nodes;
using Grpc.Core;
using Portcullis.Cli.Echo.Protos;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>
/// Upstream's GRPCRoute tests (kubernetes-sigs/gateway-api v1.6.1 conformance/tests/grpcroute-*.go), on our
/// gateway, with grpc-dotnet as upstream's grpc.Client: h2c with prior knowledge to the same-namespace Gateway.
/// </summary>
[Collection(ConformanceCollection.Name)]
public sealed class GRPCRouteTests(ConformanceSuite suite)
{
    private const string Ns = ConformanceSuite.InfraNamespace;
    private const string V1 = "grpc-infra-backend-v1";
    private const string V2 = "grpc-infra-backend-v2";
    private const string V3 = "grpc-infra-backend-v3";

    /// <summary>One of upstream's grpc.ExpectedResponse: which method, with which metadata, answered by whom (or failing with Code).</summary>
    private sealed record Call(string Method, (string Name, string Value)[] Metadata, string? Backend = null, StatusCode Code = StatusCode.OK,
        string? Authority = null, bool AnyBackend = false);

    // grpcroute-exact-method-matching.go
    [Fact]
    public async Task GRPCExactMethodMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "grpcroute-exact-method-matching.yaml");
        var address = await GatewayAndGRPCRoutesMustBeAcceptedAsync(g, "same-namespace", "exact-matching");

        await ExpectAllAsync(address,
            new Call("Echo", [], V1),
            new Call("EchoTwo", [], V2),
            new Call("EchoThree", [], Code: StatusCode.Unimplemented));
    }

    // grpcroute-header-matching.go
    [Fact]
    public async Task GRPCRouteHeaderMatching()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "grpcroute-header-matching.yaml");
        var address = await GatewayAndGRPCRoutesMustBeAcceptedAsync(g, "same-namespace", "grpc-header-matching");

        await ExpectAllAsync(address,
            new Call("Echo", [("Version", "one")], V1),
            new Call("Echo", [("Version", "two")], V2),
            new Call("Echo", [("Version", "two"), ("Color", "orange")], V1),
            new Call("Echo", [("Version", "two"), ("Color", "blue")], V2),
            new Call("Echo", [("Color", "orange")], Code: StatusCode.Unimplemented),
            new Call("Echo", [("Some-Other-Header", "one")], Code: StatusCode.Unimplemented),
            new Call("Echo", [("Color", "blue")], V1),
            new Call("Echo", [("Color", "green")], V1),
            new Call("Echo", [("Color", "red")], V2),
            new Call("Echo", [("Color", "yellow")], V2),
            new Call("Echo", [("Color", "purple")], Code: StatusCode.Unimplemented));
    }

    // grpcroute-named-rule.go
    [Fact]
    public async Task GRPCRouteNamedRule()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "grpcroute-named-rule.yaml");
        var address = await GatewayAndGRPCRoutesMustBeAcceptedAsync(g, "same-namespace", "grpc-named-rules");

        await ExpectAllAsync(address, new Call("Echo", [], V1), new Call("EchoTwo", [], V2));
    }

    // grpcroute-listener-hostname-matching.go
    [Fact]
    public async Task GRPCRouteListenerHostnameMatching()
    {
        const string gateway = "grpcroute-listener-hostname-matching";
        await using var g = await ConformanceGateway.StartAsync(suite, "grpcroute-listener-hostname-matching.yaml");
        var address = await GatewayAndGRPCRoutesMustBeAcceptedAsync(g, gateway, "backend-v1", "backend-v2", "backend-v3");

        await ExpectAllAsync(address,
            new Call("Echo", [], V1, Authority: "bar.com"),
            new Call("Echo", [], V2, Authority: "foo.bar.com"),
            new Call("Echo", [], V3, Authority: "baz.bar.com"),
            new Call("Echo", [], V3, Authority: "boo.bar.com"),
            new Call("Echo", [], V3, Authority: "multiple.prefixes.bar.com"),
            new Call("Echo", [], V3, Authority: "multiple.prefixes.foo.com"),
            new Call("Echo", [], Code: StatusCode.Unimplemented, Authority: "foo.com"),
            new Call("Echo", [], Code: StatusCode.Unimplemented, Authority: "no.matching.host"));
    }

    // grpcroute-weight.go: 70/30 and a zero-weight backend that gets nothing.
    [Fact]
    public async Task GRPCRouteWeight()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "grpcroute-weight.yaml");
        var address = await GatewayAndGRPCRoutesMustBeAcceptedAsync(g, "same-namespace", "weighted-backends");
        await ExpectAllAsync(address, new Call("Echo", [], V1) with { Backend = null, AnyBackend = true });

        using var channel = GrpcClients.Channel($"http://{address}:{suite.HttpPort}", address);
        var client = new GrpcEcho.GrpcEchoClient(channel);
        var counts = new Dictionary<string, int>();
        const int total = 300;
        for (var i = 0; i < total; i++)
        {
            var backend = await AnswerAsync(client, new Call("Echo", []));
            counts[backend] = counts.GetValueOrDefault(backend) + 1;
        }

        // 70% of 300 is 210 with a binomial standard deviation of ~8: +-40 is 5 sigma. v3 (weight 0) gets none.
        Assert.InRange(counts.GetValueOrDefault(Describe(V1, StatusCode.OK)), 170, 250);
        Assert.Equal(total, counts.GetValueOrDefault(Describe(V1, StatusCode.OK)) + counts.GetValueOrDefault(Describe(V2, StatusCode.OK)));
    }

    // grpcroute-request-header-modifier.go. Upstream compares only method, namespace and pod (its header expectations
    // are never checked, and its Echo rules share one match, so only the first, the "set" rule, can ever win); we check
    // the routing as upstream does and, beyond it, the headers the backend received where the route decides them.
    [Fact]
    public async Task GRPCRouteRequestHeaderModifier()
    {
        await using var g = await ConformanceGateway.StartAsync(suite, "grpcroute-request-header-modifier.yaml");
        var address = await GatewayAndGRPCRoutesMustBeAcceptedAsync(g, "same-namespace", "grpc-request-header-modifier");
        await ExpectAllAsync(address,
            new Call("Echo", [("Some-Other-Header", "this-header-should-be-set")], V1),
            new Call("Echo", [("Some-Other-Header", "this-header-should-be-set"), ("X-Header-Set", "this-value-should-be-overwritten")], V1),
            new Call("Echo", [("Some-Other-Header", "this-header-should-be-set"), ("X-Header-Add", "this-value-should-be-appended")], V1),
            new Call("Echo", [("X-Header-Remove", "this-should-be-removed")], V1),
            new Call("EchoTwo", [("X-Header-Set-2", "set-header-2"), ("X-Header-Add-2", "add-header-2"), ("X-Header-Remove-2", "should-be-removed-2"), ("Some-Other-Header", "another-header-val")], V2),
            new Call("EchoTwo", [("x-header-set-1", "original-set-1"), ("x-header-add-1", "existing-add-1"), ("x-header-remove-1", "should-be-removed-1")], V2));

        using var channel = GrpcClients.Channel($"http://{address}:{suite.HttpPort}", address);
        var client = new GrpcEcho.GrpcEchoClient(channel);

        var echo = await client.EchoAsync(new EchoRequest(), Metadata(("some-other-header", "this-header-should-be-set"), ("x-header-set", "this-value-should-be-overwritten")));
        Assert.Equal(["set-overwrites-values"], Values(echo, "X-Header-Set"));
        Assert.Equal(["this-header-should-be-set"], Values(echo, "Some-Other-Header"));

        var two = await client.EchoTwoAsync(new EchoRequest(), Metadata(("x-header-set-2", "set-header-2"), ("x-header-add-2", "add-header-2"),
            ("x-header-remove-2", "should-be-removed-2"), ("x-header-remove-1", "should-be-removed-1"), ("some-other-header", "another-header-val")));
        Assert.Equal(["header-set-1"], Values(two, "X-Header-Set-1"));
        Assert.Equal(["header-set-2"], Values(two, "X-Header-Set-2"));
        Assert.Equal(["header-add-1"], Values(two, "X-Header-Add-1"));
        Assert.Equal(["add-header-2", "header-add-2"], Values(two, "X-Header-Add-2").Order(StringComparer.Ordinal));
        Assert.Empty(Values(two, "X-Header-Remove-1"));
        Assert.Empty(Values(two, "X-Header-Remove-2"));
        Assert.Equal(["another-header-val"], Values(two, "Some-Other-Header"));
    }

    private static Metadata Metadata(params (string Name, string Value)[] entries)
    {
        var metadata = new Metadata();
        foreach (var (name, value) in entries)
        {
            metadata.Add(name, value);
        }

        return metadata;
    }

    /// <summary>The values the backend received for a header (names case-insensitive; comma-joined values split).</summary>
    private static string[] Values(EchoResponse response, string name) =>
        [.. response.Assertions.Headers
            .Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(h => h.Value.Split(',', StringSplitOptions.TrimEntries))];

    /// <summary>GatewayAndRoutesMustBeAccepted for GRPCRoutes: the Gateway has an address, each route Accepted=True for it.</summary>
    private static async Task<string> GatewayAndGRPCRoutesMustBeAcceptedAsync(ConformanceGateway g, string gateway, params string[] routes)
    {
        var gw = await g.EventuallyAsync(() => g.GatewayAsync(gateway),
            o => o["status"]?["addresses"]?[0]?["value"] is null ? "no status.addresses[0].value" : null, $"Gateway {gateway} to have an address");
        foreach (var route in routes)
        {
            await g.EventuallyAsync(() => g.Process.GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{Ns}/grpcroutes/{route}"),
                o => Accepted(o, gateway) ? null : "no Accepted=True parent for the Gateway", $"GRPCRoute {route} to be accepted");
        }

        return (string)gw["status"]!["addresses"]![0]!["value"]!;
    }

    private static bool Accepted(JsonNode route, string gateway) =>
        route["status"]?["parents"]?.AsArray().Any(p => (string?)p?["parentRef"]?["name"] == gateway
            && (string?)p?["controllerName"] == ConformanceGateway.ControllerName
            && p?["conditions"]?.AsArray().Any(c => (string?)c?["type"] == "Accepted" && (string?)c?["status"] == "True") == true) == true;

    /// <summary>MakeRequestAndExpectEventuallyConsistentResponse: each call must give the expected answer 3 times in a row within 15 s.</summary>
    private async Task ExpectAllAsync(string address, params Call[] calls)
    {
        foreach (var call in calls)
        {
            // The authority is the URL's host; connections still go to the Gateway's address.
            using var channel = GrpcClients.Channel($"http://{call.Authority ?? address}:{suite.HttpPort}", address);
            var client = new GrpcEcho.GrpcEchoClient(channel);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
            var inARow = 0;
            var last = "";
            while (inARow < 3)
            {
                last = await AnswerAsync(client, call);
                inARow = last == Describe(call.Backend, call.Code) || (call.AnyBackend && last.StartsWith("OK from grpc-infra-backend-", StringComparison.Ordinal)) ? inARow + 1 : 0;
                if (inARow < 3 && DateTime.UtcNow > deadline)
                {
                    Assert.Fail($"{call.Method} with [{string.Join(", ", call.Metadata)}]: expected {Describe(call.Backend, call.Code)}, last got {last}");
                }
            }
        }
    }

    private static async Task<string> AnswerAsync(GrpcEcho.GrpcEchoClient client, Call call)
    {
        var metadata = new Metadata();
        foreach (var (name, value) in call.Metadata)
        {
            metadata.Add(name.ToLowerInvariant(), value);
        }

        try
        {
            var options = new CallOptions(metadata, DateTime.UtcNow.AddSeconds(5));
            var response = call.Method switch
            {
                "Echo" => await client.EchoAsync(new EchoRequest(), options),
                "EchoTwo" => await client.EchoTwoAsync(new EchoRequest(), options),
                _ => await client.EchoThreeAsync(new EchoRequest(), options),
            };

            // Upstream checks the namespace and that the pod name starts with the Service name.
            var ctx = response.Assertions.Context;
            var backend = ConformanceSuite.GrpcServices.Keys.FirstOrDefault(s => ctx.Pod.StartsWith(s + "-", StringComparison.Ordinal));
            return ctx.Namespace == Ns ? Describe(backend, StatusCode.OK) : $"namespace {ctx.Namespace}";
        }
        catch (RpcException e)
        {
            return Describe(null, e.StatusCode);
        }
    }

    private static string Describe(string? backend, StatusCode code) => code == StatusCode.OK ? $"OK from {backend}" : code.ToString();
}
