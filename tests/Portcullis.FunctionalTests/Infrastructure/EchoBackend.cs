namespace Portcullis.FunctionalTests.Infrastructure;

/// <summary>A real `portcullis echo` process: the workshop's backend-sni pod.</summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private EchoBackend(BackgroundProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<EchoBackend> StartAsync(string podName, string ns = "default")
    {
        var port = Network.FreePort();
        var h2cPort = Network.FreePort();
        var process = BackgroundProcess.Start("dotnet",
            [Repo.PortcullisDll, "echo", "--address", "127.0.0.1", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--h2c-port", h2cPort.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Dictionary<string, string> { ["POD_NAME"] = podName, ["NAMESPACE"] = ns });
        var backend = new EchoBackend(process, port);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await GatewayProcess.EventuallyAsync(async () =>
        {
            try
            {
                using var r = await client.GetAsync($"http://127.0.0.1:{port}/");
                return r.IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "echo backend to listen\n" + process.Output, TimeSpan.FromSeconds(30));
        return backend;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
