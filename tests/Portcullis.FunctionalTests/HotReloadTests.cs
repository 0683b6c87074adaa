namespace Portcullis.FunctionalTests;

using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>The workshop's steps 6.5-6.7 done on files while the gateway serves: no restart, no failed request.</summary>
public sealed class HotReloadTests
{
    [Fact]
    public async Task AddingSampleCertAndHostname_UnderLoad_TakesEffectWithNoFailedRequest()
    {
        await using var s = Scenario.Create();
        var example = await WorkshopCertificate.CreateAsync(s.Certs, "example");
        var sample = await WorkshopCertificate.CreateAsync(s.Certs, "sample");
        var echo = await s.StartEchoAsync("backend-sni-local");
        s.WriteExampleSite(echo.Port, example);
        var gateway = await s.StartGatewayAsync();
        var address = await gateway.GatewayAddressAsync();

        using var exampleClient = GatewayClient.Create(address, example.CaCert);
        using var sampleClient = GatewayClient.Create(address, sample.CaCert);
        var sampleUri = new Uri($"https://www.sample.com:{s.HttpsPort}/get");
        await using var load = new LoadLoop(exampleClient, new Uri($"https://www.example.com:{s.HttpsPort}/get"));
        await GatewayProcess.EventuallyAsync(() => Task.FromResult(load.Succeeded > 20), "load to start succeeding");

        // Before 6.5-6.7 www.sample.com has no certificate of its own and no route.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => sampleClient.GetAsync(sampleUri));

        s.Write("05-sample-cert.yaml", sample.SecretYaml("sample-cert"));
        s.WriteByRename("02-sni-gateway.yaml", Manifests.SniGateway(s.HttpPort, s.HttpsPort, "example-cert", "sample-cert"));
        s.WriteByRename("03-backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com", "www.sample.com"));

        await GatewayProcess.EventuallyAsync(async () =>
        {
            try
            {
                using var r = await sampleClient.GetAsync(sampleUri);
                return r.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "www.sample.com to be served with sample-cert");
        var before = load.Succeeded;
        await GatewayProcess.EventuallyAsync(() => Task.FromResult(load.Succeeded > before + 20), "load to continue after the change");

        var (succeeded, failures) = await load.StopAsync();
        Assert.True(failures.Count == 0, $"{failures.Count} failed of {succeeded + failures.Count}: {string.Join("; ", failures.Take(5))}\n{gateway.Output}");
        Assert.True(succeeded > 40);
    }

    [Fact]
    public async Task BrokenManifestWrittenWhileServing_IsReported_AndServingContinues()
    {
        await using var s = Scenario.Create();
        var (gateway, address) = await StartWorkshopStep3Async(s);

        s.WriteByRename("03-backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com").Replace("port: 3000", "port: three-thousand", StringComparison.Ordinal));

        JsonNode? reported = null;
        await GatewayProcess.EventuallyAsync(async () =>
        {
            var diagnostics = await gateway.GetJsonAsync("/diagnostics");
            reported = diagnostics["diagnostics"]!.AsArray().FirstOrDefault(d => ((string?)d!["source"])?.Contains("03-backend-sni-route.yaml", StringComparison.Ordinal) == true);
            return reported is not null;
        }, "the broken manifest to be reported");
        Assert.Equal("Error", (string?)reported!["severity"]);
        Assert.Contains("spec.rules[0].backendRefs[0].port", reported.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("03-backend-sni-route.yaml", gateway.Output, StringComparison.Ordinal);

        var r = await Curl.HttpAsync("www.example.com", address, s.HttpPort);
        Assert.Contains("status=200", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingTheRouteFile_RemovesTheRoute()
    {
        await using var s = Scenario.Create();
        var (gateway, address) = await StartWorkshopStep3Async(s);
        Assert.Contains("status=200", (await Curl.HttpAsync("www.example.com", address, s.HttpPort)).StdOut, StringComparison.Ordinal);

        s.Delete("03-backend-sni-route.yaml");

        await GatewayProcess.EventuallyAsync(
            async () => (await Curl.HttpAsync("www.example.com", address, s.HttpPort)).StdOut.Contains("status=404", StringComparison.Ordinal),
            "the route to be gone");
    }

    /// <summary>The workshop after step 3: the HTTP listener and the route for www.example.com.</summary>
    private static async Task<(GatewayProcess Gateway, string Address)> StartWorkshopStep3Async(Scenario s)
    {
        var echo = await s.StartEchoAsync("backend-sni-local");
        s.Write("00-gatewayclass.yaml", Manifests.GatewayClass);
        s.Write("01-backend-sni.yaml", Manifests.BackendSni(echo.Port));
        s.Write("02-sni-gateway.yaml", Manifests.SniGateway(s.HttpPort, s.HttpsPort));
        s.Write("03-backend-sni-route.yaml", Manifests.BackendSniRoute("www.example.com"));
        var gateway = await s.StartGatewayAsync();
        return (gateway, await gateway.GatewayAddressAsync());
    }
}
