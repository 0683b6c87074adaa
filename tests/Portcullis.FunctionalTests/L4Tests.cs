namespace Portcullis.FunctionalTests;

using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Portcullis.FunctionalTests.Infrastructure;

/// <summary>TLS passthrough, TCP and UDP through the real process, with openssl and raw sockets.</summary>
[Collection(L4Collection.Name)]
public sealed class L4Tests(L4Gateway fixture)
{
    [Fact]
    public async Task OpensslSClient_Passthrough_SeesTheBackendsOwnCertificate()
    {
        var r = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"{fixture.Address}:{fixture.TlsPort}", "-servername", L4Gateway.BackendHost], TimeSpan.FromSeconds(30));

        // The backend's self-signed certificate: the gateway holds no key for abc.example.com.
        Assert.Matches("subject=CN ?= ?abc\\.example\\.com", r.StdOut);
    }

    [Fact]
    public async Task OpensslSClient_HttpsListenerOnThePassthroughPort_GetsTheGatewaysCertificate()
    {
        var r = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"{fixture.Address}:{fixture.TlsPort}", "-servername", "www.example.com"], TimeSpan.FromSeconds(30));

        Assert.Matches("subject=CN ?= ?www\\.example\\.com", r.StdOut);
    }

    [Fact]
    public async Task OpensslSClient_UnknownSniOnPassthroughOnlyPort_IsClosedNotHung()
    {
        var r = await ProcessRunner.RunAsync("openssl",
            ["s_client", "-connect", $"{fixture.Address}:{fixture.PassthroughOnlyPort}", "-servername", "unknown.example.org"], TimeSpan.FromSeconds(30));

        Assert.NotEqual(0, r.ExitCode);
        Assert.DoesNotContain("subject=", r.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passthrough_KnownSniOnPassthroughOnlyPort_ReachesTheBackend()
    {
        using var socket = await ConnectAsync(fixture.PassthroughOnlyPort);
        await using var ssl = await TlsToBackendAsync(socket, L4Gateway.BackendHost);
        var test = await L4Gateway.TcpTestAsync(ssl);

        Assert.Equal(L4Gateway.BackendHost, (string?)test["tls"]?["serverName"]);
    }

    [Fact]
    public async Task Tcp_ClientShutsDownItsSendSide_StillReadsTheReply()
    {
        using var socket = await ConnectAsync(fixture.TcpPort);
        await using var stream = new NetworkStream(socket);
        await stream.WriteAsync("PING\n"u8.ToArray());
        socket.Shutdown(SocketShutdown.Send);

        using var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("Gateway API Test TCP Server\nPONG\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Udp_Datagrams_AreEchoedBackThroughTheGateway()
    {
        using var client = new UdpClient(new IPEndPoint(IPAddress.Parse(fixture.Address), 0));
        client.Connect(IPAddress.Parse(fixture.Address), fixture.UdpPort);
        foreach (var message in new[] { "first", "second" })
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(message));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var reply = JsonNode.Parse((await client.ReceiveAsync(timeout.Token)).Buffer)!;
            Assert.Equal(message, (string?)reply["request"]);
            Assert.StartsWith("udp-backend-", (string?)reply["pod"], StringComparison.Ordinal);
        }
    }

    internal async Task<Socket> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Parse(fixture.Address), port);
        return socket;
    }

    /// <summary>A TLS client that trusts only the backend's own certificate: passing means the backend, not the gateway, answered.</summary>
    internal async Task<SslStream> TlsToBackendAsync(Socket socket, string serverName)
    {
        var trusted = X509Certificate2.CreateFromPem(fixture.BackendCertificate);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null && new X509Certificate2(certificate).Thumbprint == trusted.Thumbprint,
        });
        return ssl;
    }
}
