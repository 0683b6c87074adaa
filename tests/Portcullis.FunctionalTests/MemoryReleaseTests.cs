namespace Portcullis.FunctionalTests;

using Portcullis.FunctionalTests.Infrastructure;

/// <summary>A real gateway gives memory back when its load stops, and serves on afterwards.</summary>
public sealed class MemoryReleaseTests
{
    [Fact]
    public async Task LoadThenQuiet_ReleasesMemory_AndKeepsServing()
    {
        await using var s = Scenario.Create();
        var example = await WorkshopCertificate.CreateAsync(s.Certs, "example");
        var echo = await s.StartEchoAsync("backend-sni-local");
        s.WriteExampleSite(echo.Port, example);
        var gateway = await s.StartGatewayAsync("--log-level", "Debug");
        var address = await gateway.GatewayAddressAsync();
        using var client = GatewayClient.Create(address, example.CaCert);
        var uri = new Uri($"https://www.example.com:{s.HttpsPort}/get");

        // Work (at least IdleMemoryRelease.WorkBetween of the gateway's CPU: requests, JIT, GC), then quiet.
        await using (var load = new LoadLoop(client, uri))
        {
            await Task.Delay(TimeSpan.FromSeconds(3));
            var (succeeded, failures) = await load.StopAsync();
            Assert.True(failures.Count == 0 && succeeded > 100, $"{succeeded} succeeded, {failures.Count} failed\n{gateway.Output}");
        }

        var quietFrom = gateway.Output.Length;
        await GatewayProcess.EventuallyAsync(
            () => Task.FromResult(gateway.Output.IndexOf("quiet after work: resident", quietFrom, StringComparison.Ordinal) >= 0),
            "a release in the quiet after the load", TimeSpan.FromSeconds(20));

        using var response = await client.GetAsync(uri);
        Assert.True(response.IsSuccessStatusCode, gateway.Output);
        Assert.Contains("backend-sni-local", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
