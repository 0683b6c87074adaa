namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Globalization;
using System.Net;
using Portcullis.Cli.Echo;

/// <summary>`portcullis echo`: a backend that answers like the Gateway API conformance echo server.</summary>
internal static class EchoCommand
{
    public static Command Create()
    {
        var httpPort = new Option<int?>("--http-port") { Description = "HTTP/1.1 port (default: $HTTP_PORT, else 3000)" };
        var h2cPort = new Option<int?>("--h2c-port") { Description = "HTTP/2 prior-knowledge cleartext port (default: $H2C_PORT, else 3001)" };
        var address = new Option<string?>("--address") { Description = "Address to listen on (default: all interfaces)" };
        var logRequests = new Option<bool>("--log-requests") { Description = "Print one line per request to stdout" };
        var command = new Command("echo", "Run an echo backend that answers every request with a JSON description of it (like the Gateway API echo-basic server).")
        {
            httpPort,
            h2cPort,
            address,
            logRequests,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            IPAddress? bind = null;
            var addressText = parse.GetValue(address);
            if (!string.IsNullOrEmpty(addressText) && !IPAddress.TryParse(addressText, out bind))
            {
                await Console.Error.WriteLineAsync($"portcullis echo: --address {addressText} is not an IP address").ConfigureAwait(false);
                return 2;
            }

            if (!TryPort(parse.GetValue(httpPort), "HTTP_PORT", 3000, out var http, out var error)
                || !TryPort(parse.GetValue(h2cPort), "H2C_PORT", 3001, out var h2c, out error))
            {
                return await Fail(error).ConfigureAwait(false);
            }

            var log = parse.GetValue(logRequests) ? TextWriter.Synchronized(Console.Out) : null;
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("GRPC_ECHO_SERVER")))
            {
                // echo-basic's switch: the same image serves gRPC instead of HTTP when this is set.
                return TryPort(null, "HTTPS_PORT", 8443, out var https, out error)
                    ? await RunGrpcAsync(new GrpcEchoOptions(bind, http, https, Environment.GetEnvironmentVariable("TLS_SERVER_CERT"),
                        Environment.GetEnvironmentVariable("TLS_SERVER_PRIV_KEY"), EchoContext.FromEnvironment(), log), cancellationToken).ConfigureAwait(false)
                    : await Fail(error).ConfigureAwait(false);
            }

            EchoServerHandle server;
            try
            {
                server = await EchoServer.StartAsync(new EchoServerOptions(bind, http, h2c, EchoContext.FromEnvironment(), log), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"portcullis echo: cannot listen: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (server.ConfigureAwait(false))
            {
                Console.WriteLine($"Starting server, listening on port {server.HttpPort} (http)");
                Console.WriteLine($"Starting server, listening on port {server.H2cPort} (h2c)");
                await WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }

            return 0;
        });
        return command;
    }

    private static async Task<int> Fail(string error)
    {
        await Console.Error.WriteLineAsync($"portcullis echo: {error}").ConfigureAwait(false);
        return 2;
    }

    private static async Task<int> RunGrpcAsync(GrpcEchoOptions options, CancellationToken cancellationToken)
    {
        GrpcEchoHandle server;
        try
        {
            server = await GrpcEchoServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException)
        {
            await Console.Error.WriteLineAsync($"portcullis echo: cannot serve gRPC: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await using (server.ConfigureAwait(false))
        {
            Console.WriteLine($"plaintext server listening at port {server.HttpPort}");
            if (server.HttpsPort > 0)
            {
                Console.WriteLine($"secure server listening at port {server.HttpsPort}");
            }

            await WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return 0;
    }

    private static async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop cleanly.
        }
    }

    private static bool TryPort(int? option, string environmentVariable, int fallback, out int port, out string error)
    {
        error = "";
        port = fallback;
        if (option is { } p)
        {
            port = p;
        }
        else if (Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } env)
        {
            if (!int.TryParse(env, NumberStyles.None, CultureInfo.InvariantCulture, out port))
            {
                error = $"{environmentVariable}={env} is not a port number";
                return false;
            }
        }

        if (port is < 0 or > 65535)
        {
            error = $"port {port} is out of range";
            return false;
        }

        return true;
    }
}
