namespace Portcullis.FunctionalTests;

using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

public sealed class WeightTests
{
    [Fact]
    public async Task WeightedBackendRefs_SplitTrafficByWeight()
    {
        await using var s = Scenario.Create();
        var blue = await s.StartEchoAsync("blue");
        var green = await s.StartEchoAsync("green");
        s.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        s.Write("02-sni-gateway.yaml", Manifests.SniGateway(s.HttpPort, s.HttpsPort));
        s.Write("backends.yaml", $"""
            {Manifests.ServiceWithEndpoint("blue", 80, blue.Port)}
            ---
            {Manifests.ServiceWithEndpoint("green", 80, green.Port)}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: split
            spec:
              parentRefs:
                - name: sni-gateway
              hostnames: ["split.example.com"]
              rules:
                - backendRefs:
                    - name: blue
                      port: 80
                      weight: 3
                    - name: green
                      port: 80
                      weight: 1
            """);
        var gateway = await s.StartGatewayAsync();
        var address = await gateway.GatewayAddressAsync();

        using var client = new HttpClient { BaseAddress = new Uri($"http://{address}:{s.HttpPort}") };
        var counts = new Dictionary<string, int> { ["blue"] = 0, ["green"] = 0 };
        const int total = 800;
        for (var i = 0; i < total; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/");
            request.Headers.Host = "split.example.com";
            using var response = await client.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var pod = (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["pod"]!;
            counts[pod]++;
        }

        // 3:1 means 600 expected for blue; the binomial standard deviation is ~12, so +-60 is 5 sigma.
        Assert.InRange(counts["blue"], 540, 660);
        Assert.Equal(total, counts["blue"] + counts["green"]);
    }
}
