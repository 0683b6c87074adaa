namespace Portcullis.Cli.Tests.Echo;

using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portcullis.Cli.Echo;

public class GrpcEchoHttpsTests
{
    [Fact]
    public async Task GrpcEcho_WithACertificate_AnswersGrpcOverTlsWithTheBackendsOwnCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=grpc.example.com", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var context = new EchoContext("gateway-conformance-infra", "", "", "grpc-infra-backend-v1-5f6b7c8d9-x1y2");
        await using var server = await GrpcEchoServer.StartAsync(
            new GrpcEchoOptions(IPAddress.Loopback, 0, new EchoHttps(0, certificate), context, null), CancellationToken.None);

        string? seen = null;
        using var client = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, c, _, _) => (seen = c?.Subject) is not null },
        });

        // One empty, uncompressed gRPC message frame: an EchoRequest with no fields.
        using var call = new HttpRequestMessage(HttpMethod.Post,
            new Uri($"https://127.0.0.1:{server.HttpsPort}/gateway_api_conformance.echo_basic.grpcecho.GrpcEcho/Echo"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(new byte[5]),
        };
        call.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        call.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await client.SendAsync(call);
        await response.Content.ReadAsByteArrayAsync();

        Assert.Equal("CN=grpc.example.com", seen);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
    }

    [Fact]
    public async Task GrpcEcho_WithoutACertificate_HasNoHttpsPort()
    {
        var context = new EchoContext("gateway-conformance-infra", "", "", "grpc-infra-backend-v1-5f6b7c8d9-x1y2");
        await using var server = await GrpcEchoServer.StartAsync(new GrpcEchoOptions(IPAddress.Loopback, 0, null, context, null), CancellationToken.None);

        Assert.Null(server.HttpsPort);
        Assert.NotEqual(0, server.HttpPort);
    }
}
