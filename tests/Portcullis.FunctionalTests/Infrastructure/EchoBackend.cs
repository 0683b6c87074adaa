namespace Portcullis.FunctionalTests.Infrastructure;

/// <summary>A real `portcullis echo` process: the workshop's backend-sni pod.</summary>
internal sealed class EchoBackend : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private EchoBackend(BackgroundProcess process, int port, int h2cPort)
    {
        _process = process;
        Port = port;
        H2cPort = h2cPort;
    }

    public int Port { get; }

    /// <summary>The port speaking HTTP/2 with prior knowledge only (echo-basic's 3001).</summary>
    public int H2cPort { get; }

    /// <summary>Everything the process printed: with logRequests, one "Echoing back request made to ..." line per request (echo-basic's log).</summary>
    public string Output => _process.Output;

    public static async Task<EchoBackend> StartAsync(string podName, string ns = "default", bool logRequests = false)
    {
        var port = Network.FreePort();
        var h2cPort = Network.FreePort();
        string[] args = [Repo.PortcullisDll, "echo", "--address", "127.0.0.1", "--http-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--h2c-port", h2cPort.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var process = BackgroundProcess.Start("dotnet",
            logRequests ? [.. args, "--log-requests"] : args,
            new Dictionary<string, string> { ["POD_NAME"] = podName, ["NAMESPACE"] = ns });
        var backend = new EchoBackend(process, port, h2cPort);
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
