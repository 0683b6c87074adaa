namespace Portcullis.DataPlane.Tests.L4;

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

/// <summary>
/// A TCP backend on 127.0.0.1 that reads until the client half-closes, then answers "name:" plus what
/// it read and closes. With a certificate it first completes a TLS handshake of its own.
/// </summary>
internal sealed class StreamEchoServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private StreamEchoServer(string name, TlsCertificate? certificate)
    {
        Name = name;
        _listener.Start();
        var options = certificate is null ? null
            : new SslServerAuthenticationOptions { ServerCertificateContext = CertificateStore.Load(certificate).ServerOptions.ServerCertificateContext };
        _loop = Task.Run(() => AcceptLoopAsync(options));
    }

    public string Name { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public static StreamEchoServer Start(string name, TlsCertificate? certificate = null) => new(name, certificate);

    public WeightedBackend Backend(int weight = 1) =>
        new($"default/{Name}:{Port}", weight, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", Port) });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(SslServerAuthenticationOptions? tls)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(socket, tls));
        }
    }

    private async Task ServeAsync(Socket socket, SslServerAuthenticationOptions? tls)
    {
        try
        {
            await using var network = new NetworkStream(socket, ownsSocket: true);
            Stream stream = network;
            if (tls is not null)
            {
                var ssl = new SslStream(network);
                await ssl.AuthenticateAsServerAsync(tls, _stop.Token);
                stream = ssl;
            }

            using var received = new MemoryStream();
            await stream.CopyToAsync(received, _stop.Token);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(Name + ":").Concat(received.ToArray()).ToArray(), _stop.Token);
            if (stream is SslStream sslStream)
            {
                await sslStream.ShutdownAsync();
            }

            socket.Shutdown(SocketShutdown.Send);
            await stream.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The test closed first; nothing to answer.
        }
    }
}

/// <summary>A UDP backend on 127.0.0.1 that answers each datagram with "name:" plus the datagram.</summary>
internal sealed class DatagramEchoServer : IAsyncDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private DatagramEchoServer(string name)
    {
        Name = name;
        _loop = Task.Run(LoopAsync);
    }

    public string Name { get; }

    public int Port => ((IPEndPoint)_udp.Client.LocalEndPoint!).Port;

    public static DatagramEchoServer Start(string name) => new(name);

    public WeightedBackend Backend(int weight = 1) =>
        new($"default/{Name}:{Port}", weight, BackendProtocol.Http1, new[] { new Endpoint("127.0.0.1", Port) });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp.Dispose();
        await _loop;
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var datagram = await _udp.ReceiveAsync(_stop.Token);
                await _udp.SendAsync(Encoding.UTF8.GetBytes(Name + ":").Concat(datagram.Buffer).ToArray(), datagram.RemoteEndPoint, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                // A client went away (ICMP unreachable): keep answering the others.
            }
        }
    }
}

/// <summary>IR builders for TLS, TCP and UDP listeners on 127.0.0.1, and clients for them.</summary>
internal static class L4Configs
{
    public static ListenerConfig Tls(string name, int port, string? hostname, TlsMode mode, TlsCertificate[] certificates, params L4RouteConfig[] routes) =>
        new(name, "127.0.0.1", port, ListenerProtocol.Tls, hostname, certificates, EquatableArray<RouteConfig>.Empty)
        {
            L4 = new L4ListenerConfig(mode, routes),
        };

    public static ListenerConfig Tcp(string name, int port, params L4RouteConfig[] routes) =>
        new(name, "127.0.0.1", port, ListenerProtocol.Tcp, null, EquatableArray<TlsCertificate>.Empty, EquatableArray<RouteConfig>.Empty)
        {
            L4 = new L4ListenerConfig(null, routes),
        };

    public static ListenerConfig Udp(string name, int port, params L4RouteConfig[] routes) => Tcp(name, port, routes) with { Protocol = ListenerProtocol.Udp };

    public static L4RouteConfig L4Route(string hostname, params WeightedBackend[] backends) => new($"default/{hostname}/rule/0", hostname, backends);

    /// <summary>Sends <paramref name="message"/>, half-closes, and reads everything until the server closes.</summary>
    public static async Task<string> ExchangeAsync(Stream stream, Socket socket, string message)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(message));
        if (stream is SslStream ssl)
        {
            await ssl.ShutdownAsync();
        }

        socket.Shutdown(SocketShutdown.Send);
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply);
        return Encoding.UTF8.GetString(reply.ToArray());
    }

    /// <summary>A raw TCP exchange with half-close, as <see cref="ExchangeAsync"/>.</summary>
    public static async Task<string> TcpExchangeAsync(int port, string message)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var stream = new NetworkStream(socket);
        return await ExchangeAsync(stream, socket, message);
    }

    /// <summary>A TLS client with SNI <paramref name="serverName"/>: the CN the server showed, and its answer to the exchange.</summary>
    public static async Task<(string CommonName, string Reply)> TlsExchangeAsync(int port, string serverName, string message)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await using var ssl = new SslStream(new NetworkStream(socket));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificates.IsIssuedByTestCa(certificate),
        });
        var commonName = TestCertificates.CommonNameOf(ssl.RemoteCertificate!);
        return (commonName, await ExchangeAsync(ssl, socket, message));
    }
}
