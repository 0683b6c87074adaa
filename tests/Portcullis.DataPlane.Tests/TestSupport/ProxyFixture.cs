namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;

/// <summary>A started proxy and clients that reach it on 127.0.0.1 whatever host name the URL carries.</summary>
internal sealed class ProxyFixture : IAsyncDisposable
{
    private ProxyFixture(ProxyServer server) => Server = server;

    public ProxyServer Server { get; }

    /// <param name="directHttp1">False sends every request through YARP's forwarder (ProxyServerOptions.DirectHttp1).</param>
    /// <param name="ownTls">False leaves HTTPS to Kestrel's transport and HTTPS middleware (ProxyServerOptions.OwnTls).</param>
    /// <param name="ownHttp1">False leaves HTTP/1.1 on those connections to Kestrel (ProxyServerOptions.OwnHttp1).</param>
    public static async Task<ProxyFixture> StartAsync(
        TimeSpan? drainTimeout = null, bool directHttp1 = true, bool ownTls = true, bool ownHttp1 = true, Http1Timeouts? timeouts = null)
    {
        var server = new ProxyServer(
            new ProxyServerOptions
            {
                DrainTimeout = drainTimeout ?? TimeSpan.FromSeconds(5), DirectHttp1 = directHttp1, OwnTls = ownTls, OwnHttp1 = ownHttp1,
                Http1Timeouts = timeouts ?? Http1Timeouts.Default,
            },
            NullLoggerFactory.Instance);
        await server.StartAsync(CancellationToken.None);
        return new ProxyFixture(server);
    }

    /// <summary>
    /// A client that connects to 127.0.0.1:port for any URL, so the URL's host is the Host header
    /// and the SNI. <paramref name="seen"/> receives the CN of each server certificate.
    /// </summary>
    public static HttpClient Client(int port, Action<string>? seen = null, Version? version = null, bool followRedirects = true)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = followRedirects,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not null)
                    {
                        seen?.Invoke(TestCertificates.CommonNameOf(certificate));
                    }

                    return TestCertificates.IsIssuedByTestCa(certificate);
                },
            },
        };
        var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        if (version is not null)
        {
            client.DefaultRequestVersion = version;
            client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        return client;
    }

    /// <summary>
    /// A client whose TLS connections always carry <paramref name="serverName"/> as SNI whatever the
    /// request's Host: what HTTP/2 connection coalescing looks like to the server. The handler
    /// uses the SslStream the connect callback returns as is.
    /// </summary>
    /// <param name="clientCertificate">Sent whenever the server asks for one (its CA list is not consulted).</param>
    public static HttpClient FixedSniClient(int port, string serverName, Version version, X509Certificate2? clientCertificate = null)
    {
        var alpn = version == HttpVersion.Version20 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
                    var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
                    await ssl.AuthenticateAsClientAsync(
                        new SslClientAuthenticationOptions
                        {
                            TargetHost = serverName,
                            ApplicationProtocols = [alpn],
                            RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificates.IsIssuedByTestCa(certificate),
                            ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
                        },
                        cancellationToken);
                    return ssl;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler)
        {
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public static async Task<Echo> GetEchoAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<Echo>())!;
    }

    /// <summary>A raw TLS handshake: the certificate CN and ALPN protocol the server chose.</summary>
    public static async Task<(string CommonName, SslApplicationProtocol Alpn)> HandshakeAsync(int port, string? serverName)
    {
        var (tcp, ssl) = await ConnectTlsAsync(port, serverName, SslApplicationProtocol.Http2, SslApplicationProtocol.Http11);
        using (tcp)
        {
            await using (ssl)
            {
                return (TestCertificates.CommonNameOf(ssl.RemoteCertificate!), ssl.NegotiatedApplicationProtocol);
            }
        }
    }

    /// <summary>A TLS connection to 127.0.0.1:port offering <paramref name="alpn"/>, trusting the test CA; the caller disposes both.</summary>
    public static Task<(TcpClient Tcp, SslStream Ssl)> ConnectTlsAsync(int port, string? serverName, params SslApplicationProtocol[] alpn) =>
        ConnectTlsAsync(port, serverName, static network => network, alpn);

    /// <summary>As above, with the TLS bytes going through <paramref name="wire"/> (given the socket's stream).</summary>
    public static async Task<(TcpClient Tcp, SslStream Ssl)> ConnectTlsAsync(
        int port, string? serverName, Func<Stream, Stream> wire, params SslApplicationProtocol[] alpn)
    {
        var tcp = new TcpClient();
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var ssl = new SslStream(wire(tcp.GetStream()));
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                // An empty target host sends no SNI.
                TargetHost = serverName ?? string.Empty,
                ApplicationProtocols = [.. alpn],
                RemoteCertificateValidationCallback = (_, certificate, _, _) => TestCertificates.IsIssuedByTestCa(certificate),
            });
            return (tcp, ssl);
        }
        catch
        {
            tcp.Dispose(); // A failed handshake (some tests expect one) leaves nothing open.
            throw;
        }
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
