namespace Portcullis.FunctionalTests.Infrastructure;

using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Portcullis.Cli.Echo.Protos;

/// <summary>A real `portcullis echo` in echo-basic's gRPC mode (GRPC_ECHO_SERVER set): GrpcEcho over h2c.</summary>
internal sealed class GrpcEchoBackend : IAsyncDisposable
{
    private readonly BackgroundProcess _process;

    private GrpcEchoBackend(BackgroundProcess process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Output => _process.Output;

    public static async Task<GrpcEchoBackend> StartAsync(string podName, string ns = "default")
    {
        var port = Network.FreePort();
        var process = BackgroundProcess.Start("dotnet",
            [Repo.PortcullisDll, "echo", "--address", "127.0.0.1", "--http-port", port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string>
            {
                ["GRPC_ECHO_SERVER"] = "1",
                ["POD_NAME"] = podName,
                ["NAMESPACE"] = ns,
            });
        var backend = new GrpcEchoBackend(process, port);
        using var channel = GrpcClients.Channel($"http://127.0.0.1:{port}");
        var client = new GrpcEcho.GrpcEchoClient(channel);
        await GatewayProcess.EventuallyAsync(async () =>
        {
            try
            {
                await client.EchoAsync(new EchoRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return true;
            }
            catch (RpcException)
            {
                return false;
            }
        }, "gRPC echo backend to listen\n" + process.Output, TimeSpan.FromSeconds(30));
        return backend;
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

/// <summary>grpc-dotnet channels that reach a gateway address while naming another host (as DNS would send them).</summary>
internal static class GrpcClients
{
    /// <summary>
    /// A channel to address (http:// for h2c with prior knowledge, https:// for TLS with ALPN h2); connections go
    /// to connectTo, so the URL's host is the :authority and the TLS SNI. Over TLS the server must present a
    /// certificate issued by one of the trusted CAs.
    /// </summary>
    public static GrpcChannel Channel(string address, string connectTo = "127.0.0.1", params string[] trustedCaFiles)
    {
        var handler = GatewayClient.Handler(connectTo, trustedCaFiles);
        handler.EnableMultipleHttp2Connections = true;
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }
}
