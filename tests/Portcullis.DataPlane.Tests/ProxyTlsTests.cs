namespace Portcullis.DataPlane.Tests;

using System.Net;
using System.Net.Security;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.Ir;
using static Portcullis.DataPlane.Tests.TestSupport.Configs;

public class ProxyTlsTests
{
    private static readonly TlsCertificate Wildcard = TestCertificates.WithSans("default/wildcard", "wildcard", "*.example.com");
    private static readonly TlsCertificate Exact = TestCertificates.WithSans("default/exact", "exact", "www.example.com");
    private static readonly TlsCertificate Shop = TestCertificates.CommonNameOnly("default/shop", "shop.example.com");
    private static readonly TlsCertificate First = TestCertificates.CommonNameOnly("default/first", "first.test");

    [Fact]
    public async Task Handshake_SniPicksCertificate_ExactSanThenWildcardThenCommonNameThenFirst()
    {
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Https("default/gw/https", port, null, [First, Wildcard, Shop, Exact])), CancellationToken.None);

        Assert.Equal("exact", (await ProxyFixture.HandshakeAsync(port, "www.example.com")).CommonName);
        Assert.Equal("wildcard", (await ProxyFixture.HandshakeAsync(port, "api.example.com")).CommonName);
        Assert.Equal("shop.example.com", (await ProxyFixture.HandshakeAsync(port, "shop.example.com")).CommonName);
        Assert.Equal("first.test", (await ProxyFixture.HandshakeAsync(port, "nothing.test")).CommonName);
    }

    [Fact]
    public async Task Handshake_WithoutSni_GetsTheFirstCertificate()
    {
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(Of(Https("default/gw/https", port, null, [Shop, Exact])), CancellationToken.None);

        Assert.Equal("shop.example.com", (await ProxyFixture.HandshakeAsync(port, null)).CommonName);
    }

    [Fact]
    public async Task Handshake_SeveralListenersOnOnePort_SniSelectsTheListener()
    {
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(
                Https("default/gw/catch-all", port, null, [First]),
                Https("default/gw/wild", port, "*.example.com", [Wildcard]),
                Https("default/gw/shop", port, "shop.example.com", [Shop])),
            CancellationToken.None);

        Assert.Equal("shop.example.com", (await ProxyFixture.HandshakeAsync(port, "shop.example.com")).CommonName);
        Assert.Equal("wildcard", (await ProxyFixture.HandshakeAsync(port, "a.b.example.com")).CommonName);
        Assert.Equal("first.test", (await ProxyFixture.HandshakeAsync(port, "elsewhere.org")).CommonName);
    }

    [Fact]
    public async Task Https_AlpnNegotiatesHttp2_BackendSeesHttp11WithForwardedProtoHttps()
    {
        await using var backend = await EchoBackend.StartAsync("b");
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        await proxy.Server.ApplyAsync(
            Of(Https("default/gw/https", port, null, [Exact], Route("*", "/", To(backend.Backend())))),
            CancellationToken.None);

        Assert.Equal(SslApplicationProtocol.Http2, (await ProxyFixture.HandshakeAsync(port, "www.example.com")).Alpn);

        using var client = ProxyFixture.Client(port, version: HttpVersion.Version20);
        using var response = await client.GetAsync(new Uri($"https://www.example.com:{port}/hello"));
        Assert.Equal(HttpVersion.Version20, response.Version);
        var echo = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<Echo>(response.Content);
        Assert.Equal("HTTP/1.1", echo!.Protocol);
        Assert.Equal("https", echo.Header("X-Forwarded-Proto"));
        Assert.Equal($"www.example.com:{port}", echo.Host);
    }

    [Fact]
    public async Task Handshake_PortWithoutAnyUsableCertificate_Fails()
    {
        await using var proxy = await ProxyFixture.StartAsync();
        var port = FreePort.Find();
        var broken = new TlsCertificate("default/broken", new PrivateBytes("not a pem"u8), new PrivateBytes("nope"u8));
        await proxy.Server.ApplyAsync(Of(Https("default/gw/https", port, null, [broken])), CancellationToken.None);

        await Assert.ThrowsAnyAsync<IOException>(() => ProxyFixture.HandshakeAsync(port, "www.example.com"));
    }
}
