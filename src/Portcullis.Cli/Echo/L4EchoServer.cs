namespace Portcullis.Cli.Echo;

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

/// <summary>
/// echo-basic's TCP and UDP modes, which the upstream TLSRoute, TCPRoute and UDPRoute conformance tests
/// talk to. TCP (TCP_ECHO_SERVER): on connect a welcome line, then per line PING -> PONG, IS_TLS -> true or
/// false, TEST -> one JSON line with the pod context and, over TLS, what the handshake negotiated (the SNI
/// the client sent is how a test proves passthrough reached the backend untouched). The TLS port serves
/// only when TLS_SERVER_CERT and TLS_SERVER_PRIV_KEY name PEM files. UDP (UDP_ECHO_SERVER): each datagram
/// is answered with {"request": the datagram, and the pod context}.
/// </summary>
internal static class L4EchoServer
{
    public const string WelcomeMessage = "Gateway API Test TCP Server\n";

    /// <summary>Serves until cancelled; the listeners are bound before <paramref name="started"/> runs.</summary>
    public static async Task RunTcpAsync(IPAddress address, int tcpPort, int tlsPort, X509Certificate2? certificate, EchoContext context,
        Action<int, int?> started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(started);
        using var tcp = new TcpListener(address, tcpPort);
        tcp.Start();
        using var tls = certificate is null ? null : new TcpListener(address, tlsPort);
        tls?.Start();
        started(((IPEndPoint)tcp.LocalEndpoint).Port, tls is null ? null : ((IPEndPoint)tls.LocalEndpoint).Port);

        var loops = new List<Task> { AcceptLoopAsync(tcp, null, tcpPort, tlsPort, context, cancellationToken) };
        if (tls is not null)
        {
            loops.Add(AcceptLoopAsync(tls, certificate, tcpPort, tlsPort, context, cancellationToken));
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
    }

    /// <summary>Serves until cancelled; the socket is bound before <paramref name="started"/> runs.</summary>
    public static async Task RunUdpAsync(IPAddress address, int port, EchoContext context, Action<int> started, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(started);
        using var udp = new UdpClient(new IPEndPoint(address, port));
        started(((IPEndPoint)udp.Client.LocalEndPoint!).Port);
        while (!cancellationToken.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await udp.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue; // An earlier reply's client is gone (ICMP unreachable).
            }

            var reply = new JsonObject
            {
                ["request"] = Encoding.UTF8.GetString(received.Buffer),
                ["namespace"] = context.Namespace,
                ["ingress"] = context.Ingress,
                ["service"] = context.Service,
                ["pod"] = context.Pod,
            };
            try
            {
                await udp.SendAsync(Encoding.UTF8.GetBytes(reply.ToJsonString()), received.RemoteEndPoint, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException)
            {
                // The client went away; answer the next one.
            }
        }
    }

    private static async Task AcceptLoopAsync(TcpListener listener, X509Certificate2? certificate, int tcpPort, int tlsPort, EchoContext context, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptSocketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket, certificate, tcpPort, tlsPort, context, cancellationToken), CancellationToken.None);
        }
    }

    private static async Task ServeAsync(Socket socket, X509Certificate2? certificate, int tcpPort, int tlsPort, EchoContext context, CancellationToken cancellationToken)
    {
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            Stream stream = network;
            JsonObject? tlsAssertion = null;
            if (certificate is not null)
            {
                var ssl = new SslStream(network);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(10));
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token).ConfigureAwait(false);
                tlsAssertion = new JsonObject
                {
                    ["version"] = ssl.SslProtocol switch { SslProtocols.Tls13 => "TLS 1.3", SslProtocols.Tls12 => "TLS 1.2", var p => p.ToString() },
                    ["serverName"] = ssl.TargetHostName,
                    ["cipherSuite"] = ssl.NegotiatedCipherSuite.ToString(),
                };
                stream = ssl;
            }

            var test = new JsonObject
            {
                ["namespace"] = context.Namespace,
                ["ingress"] = context.Ingress,
                ["service"] = context.Service,
                ["pod"] = context.Pod,
                ["tcpport"] = tcpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["tlsport"] = tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["isTLS"] = certificate is not null,
            };
            if (tlsAssertion is not null)
            {
                test["tls"] = tlsAssertion;
            }

            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { AutoFlush = true, NewLine = "\n" };
            using var reader = new StreamReader(stream, Encoding.UTF8, leaveOpen: true);
            await writer.WriteAsync(WelcomeMessage).ConfigureAwait(false);
            while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                var answer = line switch
                {
                    "TEST" => test.ToJsonString(),
                    "IS_TLS" => certificate is null ? "false" : "true",
                    "PING" => "PONG",
                    _ => null,
                };
                if (answer is not null)
                {
                    await writer.WriteLineAsync(answer).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or AuthenticationException or OperationCanceledException)
        {
            // The client went away or its handshake failed: nothing to answer.
        }
    }
}
