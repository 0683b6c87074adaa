namespace Portcullis.Cli.Tests.Echo;

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Portcullis.Cli.Echo;

public class EchoHttpsTests
{
    [Fact]
    public async Task Https_WithACertificate_EchoesOverTlsWithTheBackendsOwnCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=abc.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var context = new EchoContext("gateway-conformance-infra", "", "", "tls-backend-5f6b7c8d9-x1y2");
        await using var server = await EchoServer.StartAsync(
            new EchoServerOptions(IPAddress.Loopback, 0, 0, context, null) { Https = new EchoHttps(0, certificate) },
            CancellationToken.None);

        string? seen = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => (seen = c?.Subject) is not null },
        });
        var body = JsonNode.Parse(await client.GetStringAsync(new Uri($"https://127.0.0.1:{server.HttpsPort}/tls")))!;

        Assert.Equal("CN=abc.example.com", seen);
        Assert.Equal("/tls", (string?)body["path"]);
        Assert.Equal(context.Pod, (string?)body["pod"]);
    }
}
