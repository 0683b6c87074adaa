namespace Portcullis.DataPlane.Tests.Tls;

using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

/// <summary>
/// Client-certificate validation on HTTPS listeners (Gateway spec.tls.frontend): the handshake asks for a
/// certificate and checks it against the listener's CAs only; requests may not cross into a listener whose
/// requirement differs from the one the handshake applied (421).
/// </summary>
public sealed class ClientCertificateTests : IDisposable
{
    private static readonly TlsCertificate Server = TestCertificates.WithSans("default/server", "server", "a.example.com", "b.example.com");

    private readonly ClientAuthority _trusted = new("trusted client CA");
    private readonly ClientAuthority _other = new("other client CA");

    public void Dispose()
    {
        _trusted.Dispose();
        _other.Dispose();
    }

    [Fact]
    public async Task AllowValidOnly_CertificateFromTheTrustedCa_IsServed()
    {
        await using var env = await StartAsync(ClientCertificateMode.AllowValidOnly);
        using var client = ProxyFixture.FixedSniClient(env.Port, "a.example.com", HttpVersion.Version20, _trusted.Client);

        var echo = await ProxyFixture.GetEchoAsync(client, $"https://a.example.com:{env.Port}/");

        Assert.Equal("v1", echo.Backend);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AllowValidOnly_NoCertificateOrOneFromAnotherCa_FailsTheConnection(bool sendOtherCa)
    {
        await using var env = await StartAsync(ClientCertificateMode.AllowValidOnly);
        using var client = ProxyFixture.FixedSniClient(env.Port, "a.example.com", HttpVersion.Version11, sendOtherCa ? _other.Client : null);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri($"https://a.example.com:{env.Port}/")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AllowInsecureFallback_NoCertificateOrOneFromAnotherCa_IsServed(bool sendOtherCa)
    {
        await using var env = await StartAsync(ClientCertificateMode.AllowInsecureFallback);
        using var client = ProxyFixture.FixedSniClient(env.Port, "a.example.com", HttpVersion.Version20, sendOtherCa ? _other.Client : null);

        var echo = await ProxyFixture.GetEchoAsync(client, $"https://a.example.com:{env.Port}/");

        Assert.Equal("v1", echo.Backend);
    }

    [Theory]
    [InlineData("b.example.com")]
    [InlineData("")]
    public async Task Request_ForAListenerRequiringAClientCertificate_OnAConnectionThatWasNotAskedForOne_Gets421(string sni)
    {
        // Two Gateways share the port: "open" asks for nothing and is first, so it also takes handshakes without SNI.
        await using var v1 = await EchoBackend.StartAsync("v1");
        await using var v2 = await EchoBackend.StartAsync("v2");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/open/https", port, "b.example.com", [Server], Route("b.example.com", "/", To(v2.Backend()))),
                Https("default/mtls/https", port, "a.example.com", [Server], Route("a.example.com", "/", To(v1.Backend())))
                    with { ClientValidation = Validation(ClientCertificateMode.AllowValidOnly) }),
            CancellationToken.None);
        using var client = ProxyFixture.FixedSniClient(port, sni, HttpVersion.Version20);

        using var coalesced = await client.GetAsync(new Uri($"https://a.example.com:{port}/"));
        var echo = await ProxyFixture.GetEchoAsync(client, $"https://b.example.com:{port}/");

        Assert.Equal(HttpStatusCode.MisdirectedRequest, coalesced.StatusCode);
        Assert.Equal("v2", echo.Backend);
    }

    [Fact]
    public void SameRequirement_EqualCasAndMode_AreInterchangeable_OtherModeIsNot()
    {
        var a = new ClientCertificatePolicy(Validation(ClientCertificateMode.AllowValidOnly));
        var b = new ClientCertificatePolicy(Validation(ClientCertificateMode.AllowValidOnly) with { Port = 8443 });
        var fallback = new ClientCertificatePolicy(Validation(ClientCertificateMode.AllowInsecureFallback));

        Assert.True(ClientCertificatePolicy.SameRequirement(a, b));
        Assert.False(ClientCertificatePolicy.SameRequirement(a, fallback));
        Assert.False(ClientCertificatePolicy.SameRequirement(a, null));
        Assert.True(ClientCertificatePolicy.SameRequirement(null, null));
    }

    private ClientCertificateValidation Validation(ClientCertificateMode mode) =>
        new(mode, null, new[] { new TrustedCa("default/client-ca", _trusted.Certificate.Subject, "", _trusted.Certificate.ExportCertificatePem()) });

    private async Task<Env> StartAsync(ClientCertificateMode mode)
    {
        var backend = await EchoBackend.StartAsync("v1");
        var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Https("default/gw/https", port, null, [Server], Route("a.example.com", "/", To(backend.Backend()))) with { ClientValidation = Validation(mode) }),
            CancellationToken.None);
        return new Env(backend, proxy, port);
    }

    private sealed record Env(EchoBackend Backend, ProxyFixture Proxy, int Port) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Proxy.DisposeAsync();
            await Backend.DisposeAsync();
        }
    }
}
