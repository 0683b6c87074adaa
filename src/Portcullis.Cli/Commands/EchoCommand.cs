namespace Portcullis.Cli.Commands;

using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
        var command = new Command("echo", "Run an echo backend that answers every request with a JSON description of it (like the Gateway API echo-basic server; GRPC_ECHO_SERVER, TCP_ECHO_SERVER or UDP_ECHO_SERVER set selects its gRPC, TCP or UDP mode).")
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

            // echo-basic's other modes, chosen as it chooses them: by environment variable.
            if (Environment.GetEnvironmentVariable("TCP_ECHO_SERVER") is { Length: > 0 })
            {
                return await RunTcpAsync(bind ?? IPAddress.Any, cancellationToken).ConfigureAwait(false);
            }

            if (Environment.GetEnvironmentVariable("UDP_ECHO_SERVER") is { Length: > 0 })
            {
                return await RunUdpAsync(bind ?? IPAddress.Any, cancellationToken).ConfigureAwait(false);
            }

            if (!TryPort(parse.GetValue(httpPort), "HTTP_PORT", 3000, out var http, out var error)
                || !TryPort(parse.GetValue(h2cPort), "H2C_PORT", 3001, out var h2c, out error))
            {
                return await Fail(error).ConfigureAwait(false);
            }

            var log = parse.GetValue(logRequests) ? TextWriter.Synchronized(Console.Out) : null;
            if (Environment.GetEnvironmentVariable("GRPC_ECHO_SERVER") is { Length: > 0 })
            {
                return await RunGrpcAsync(bind, http, log, cancellationToken).ConfigureAwait(false);
            }

            var (https, httpsError) = LoadTls("TLS_SERVER_PRIVKEY", "HTTPS_PORT");
            if (httpsError is not null)
            {
                await Console.Error.WriteLineAsync($"portcullis echo: {httpsError}").ConfigureAwait(false);
                return 1;
            }

            EchoServerHandle server;
            try
            {
                server = await EchoServer.StartAsync(
                    new EchoServerOptions(bind, http, h2c, EchoContext.FromEnvironment(), log) { Https = https },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                https?.Certificate.Dispose();
                await Console.Error.WriteLineAsync($"portcullis echo: cannot listen: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (server.ConfigureAwait(false))
            {
                Console.WriteLine($"Starting server, listening on port {server.HttpPort} (http)");
                Console.WriteLine($"Starting server, listening on port {server.H2cPort} (h2c)");
                if (server.HttpsPort is { } httpsPort)
                {
                    Console.WriteLine($"Starting server, listening on port {httpsPort} (https)");
                }

                await WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }

            https?.Certificate.Dispose();
            return 0;
        });
        return command;
    }

    private static async Task<int> Fail(string error)
    {
        await Console.Error.WriteLineAsync($"portcullis echo: {error}").ConfigureAwait(false);
        return 2;
    }

    /// <summary>echo-basic's gRPC mode: h2c on the HTTP port, and HTTPS_PORT when TLS_SERVER_CERT and TLS_SERVER_PRIV_KEY name PEM files.</summary>
    private static async Task<int> RunGrpcAsync(IPAddress? bind, int http, TextWriter? log, CancellationToken cancellationToken)
    {
        var (https, error) = LoadTls("TLS_SERVER_PRIV_KEY", "HTTPS_PORT");
        if (error is not null)
        {
            await Console.Error.WriteLineAsync($"portcullis echo: {error}").ConfigureAwait(false);
            return 1;
        }

        using (https?.Certificate)
        {
            GrpcEchoHandle server;
            try
            {
                server = await GrpcEchoServer.StartAsync(new GrpcEchoOptions(bind, http, https, EchoContext.FromEnvironment(), log), cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"portcullis echo: cannot serve gRPC: {e.Message}").ConfigureAwait(false);
                return 1;
            }

            await using (server.ConfigureAwait(false))
            {
                Console.WriteLine($"plaintext server listening at port {server.HttpPort}");
                if (server.HttpsPort is { } httpsPort)
                {
                    Console.WriteLine($"secure server listening at port {httpsPort}");
                }

                await WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
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

    /// <summary>
    /// echo-basic's TLS port: the port variable (default 8443) when TLS_SERVER_CERT and the key variable name
    /// PEM files (echo-basic's HTTP mode calls it TLS_SERVER_PRIVKEY, its gRPC and TCP modes TLS_SERVER_PRIV_KEY).
    /// Null without them; an error when they cannot be read.
    /// </summary>
    private static (EchoHttps? Tls, string? Error) LoadTls(string keyVariable, string portVariable)
    {
        if (Environment.GetEnvironmentVariable("TLS_SERVER_CERT") is not { Length: > 0 } certFile
            || Environment.GetEnvironmentVariable(keyVariable) is not { Length: > 0 } keyFile)
        {
            return (null, null);
        }

        if (!TryPort(null, portVariable, 8443, out var port, out var error))
        {
            return (null, error);
        }

        try
        {
            X509Certificate2Collection? clientCas = null;
            if (Environment.GetEnvironmentVariable("TLS_CLIENT_CACERTS") is { Length: > 0 } caFile)
            {
                clientCas = [];
                clientCas.ImportFromPemFile(caFile);
            }

            return (new EchoHttps(port, X509Certificate2.CreateFromPemFile(certFile, keyFile)) { ClientCas = clientCas }, null);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException)
        {
            return (null, $"cannot load {certFile} and {keyFile}: {e.Message}");
        }
    }

    /// <summary>TCP_PORT (default 3000), and TLS_PORT (default 8443) when TLS_SERVER_CERT and TLS_SERVER_PRIV_KEY name PEM files.</summary>
    private static async Task<int> RunTcpAsync(IPAddress bind, CancellationToken cancellationToken)
    {
        var (tls, error) = LoadTls("TLS_SERVER_PRIV_KEY", "TLS_PORT");
        if (error is not null || !TryPort(null, "TCP_PORT", 3000, out var tcp, out error)
            || !TryPort(null, "TLS_PORT", 8443, out var tlsPort, out error))
        {
            return await Fail(error!).ConfigureAwait(false);
        }

        var certificate = tls?.Certificate;
        using (certificate)
        {
            try
            {
                await L4EchoServer.RunTcpAsync(bind, tcp, tlsPort, certificate, EchoContext.FromEnvironment(), (tcpBound, tlsBound) =>
                {
                    Console.WriteLine($"Starting server (tcp), listening on port {tcpBound} (tcp)");
                    if (tlsBound is { } t)
                    {
                        Console.WriteLine($"Starting server (tcp), listening on port {t} (tls)");
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                await Console.Error.WriteLineAsync($"portcullis echo: cannot listen: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        }

        return 0;
    }

    /// <summary>UDP_PORT, default 8080.</summary>
    private static async Task<int> RunUdpAsync(IPAddress bind, CancellationToken cancellationToken)
    {
        if (!TryPort(null, "UDP_PORT", 8080, out var port, out var error))
        {
            return await Fail(error).ConfigureAwait(false);
        }

        try
        {
            await L4EchoServer.RunUdpAsync(bind, port, EchoContext.FromEnvironment(),
                bound => Console.WriteLine($"UDP server listening on :{bound}"), cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            await Console.Error.WriteLineAsync($"portcullis echo: cannot listen: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        return 0;
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
