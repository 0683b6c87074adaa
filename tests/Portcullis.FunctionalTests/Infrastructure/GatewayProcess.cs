namespace Portcullis.FunctionalTests.Infrastructure;

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

/// <summary>A real `portcullis run` process on a config directory, with its own address pool and admin port.</summary>
internal sealed class GatewayProcess : IAsyncDisposable
{
    private readonly BackgroundProcess _process;
    private readonly HttpClient _admin;

    private GatewayProcess(BackgroundProcess process, string adminUrl)
    {
        _process = process;
        AdminUrl = adminUrl;
        _admin = new HttpClient { BaseAddress = new Uri(adminUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string AdminUrl { get; }

    public string Output => _process.Output;

    /// <param name="options">More `portcullis run` options (e.g. a log level).</param>
    public static Task<GatewayProcess> StartAsync(string configDirectory, string addressPool, params string[] options) =>
        StartAsync(configDirectory, addressPool, () => Network.FreePort(), options);

    /// <param name="adminPorts">Gives the admin port of each attempt (a test hands out a taken one first).</param>
    internal static async Task<GatewayProcess> StartAsync(string configDirectory, string addressPool, Func<int> adminPorts, params string[] options)
    {
        var (process, adminPort) = await StartWithAdminAsync(
            [Repo.PortcullisDll, "run", "--config", configDirectory, "--address-pool", addressPool, .. options], "/readyz",
            TimeSpan.FromSeconds(30), adminPorts: adminPorts);
        return new GatewayProcess(process, $"http://127.0.0.1:{adminPort}");
    }

    /// <summary>
    /// Starts `dotnet portcullis.dll ARGS --admin 127.0.0.1:PORT` and waits until GET <paramref name="readyPath"/> on the
    /// admin port answers 2xx. The port was free a moment ago, but an outgoing connection elsewhere in the suite can be
    /// given the same number before the process binds it (CI saw "--admin 127.0.0.1:37285: Address already in use"):
    /// then the process exits at once, and is started again on another port, at most five times.
    /// </summary>
    internal static async Task<(BackgroundProcess Process, int AdminPort)> StartWithAdminAsync(
        IReadOnlyList<string> args, string readyPath, TimeSpan timeout, IDictionary<string, string>? environment = null, Func<int>? adminPorts = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var adminPort = (adminPorts ?? (() => Network.FreePort()))();
            var process = BackgroundProcess.Start("dotnet", [.. args, "--admin", $"127.0.0.1:{adminPort}"], environment);
            if (await WaitReadyAsync(process, $"http://127.0.0.1:{adminPort}{readyPath}", timeout))
            {
                return (process, adminPort);
            }

            var taken = process.HasExited && await AdminPortTakenAsync(process, adminPort);
            var output = process.Output;
            await process.DisposeAsync();
            if (!taken || attempt == 5)
            {
                throw new TimeoutException($"portcullis did not become ready ({readyPath}):\n" + output);
            }
        }
    }

    /// <summary>Whether the exited process said its admin port was in use (its last output may still be on the way).</summary>
    private static async Task<bool> AdminPortTakenAsync(BackgroundProcess process, int adminPort)
    {
        try
        {
            await process.WaitForOutputAsync($"--admin 127.0.0.1:{adminPort}: Address already in use", TimeSpan.FromSeconds(1), whileRunningOnly: false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>True once the URL answers 2xx; false when the process exits first or the timeout passes.</summary>
    private static async Task<bool> WaitReadyAsync(BackgroundProcess process, string url, TimeSpan timeout)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout && !process.HasExited)
        {
            try
            {
                using var response = await client.GetAsync(new Uri(url));
                if (response.IsSuccessStatusCode)
                {
                    return true;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(100);
        }

        return false;
    }

    public async Task<JsonNode> GetJsonAsync(string path) =>
        (await _admin.GetFromJsonAsync<JsonNode>(path))!;

    /// <summary>The address the Gateway reports in status.addresses[0], as the workshop reads it.</summary>
    public async Task<string> GatewayAddressAsync(string name = "sni-gateway", string ns = "default")
    {
        var gw = await GetJsonAsync($"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways/{name}");
        return (string)gw["status"]!["addresses"]![0]!["value"]!;
    }

    /// <summary>
    /// Waits until the Gateway reports Programmed=True; otherwise fails with its status and the gateway's output,
    /// so a fixture that cannot serve says why instead of leaving every test to fail on a refused connection.
    /// </summary>
    public async Task WaitProgrammedAsync(string name = "sni-gateway", string ns = "default")
    {
        var path = $"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways/{name}";
        JsonNode? last = null;
        try
        {
            await EventuallyAsync(async () =>
            {
                last = await GetJsonAsync(path);
                return last["status"]?["conditions"]?.AsArray().Any(c =>
                    (string?)c?["type"] == "Programmed" && (string?)c?["status"] == "True") == true;
            }, $"gateway {ns}/{name} to be Programmed", TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nstatus: {last?["status"]?.ToJsonString()}\noutput:\n{Output}", e);
        }
    }

    /// <summary>Polls until the condition holds (the gateway converges on file changes asynchronously).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            if (watch.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
            {
                throw new TimeoutException("timed out waiting for: " + what);
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _process.DisposeAsync();
    }
}
