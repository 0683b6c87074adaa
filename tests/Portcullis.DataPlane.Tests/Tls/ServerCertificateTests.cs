namespace Portcullis.DataPlane.Tests.Tls;

using System.Security.Cryptography;
using Portcullis.DataPlane.Tests.TestSupport;
using Portcullis.DataPlane.Tls;
using Portcullis.Ir;

public class ServerCertificateTests
{
    [Fact]
    public void Load_NamesFromTheIr_AreUsedWithoutBuildingTheContext()
    {
        var pem = TestCertificates.WithSans("default/a", "a", "a.example.com") with { DnsNames = new[] { "from.ir.example" } };

        var certificate = CertificateStore.Load(pem);

        Assert.Equal(["from.ir.example"], certificate.DnsNames);
        Assert.False(certificate.IsLoaded);
    }

    [Fact]
    public void Load_NoNamesInTheIr_ReadsThemFromTheLeaf()
    {
        var certificate = CertificateStore.Load(TestCertificates.WithSans("default/a", "a", "a.example.com", "b.example.com"));

        Assert.Equal(["a.example.com", "b.example.com"], certificate.DnsNames);
        Assert.False(certificate.IsLoaded);
    }

    [Fact]
    public async Task ServerOptions_ConcurrentFirstHandshakes_BuildOneContext()
    {
        var certificate = CertificateStore.Load(TestCertificates.CommonNameOnly("default/a", "a.example.com"));
        using var start = new Barrier(8);

        var options = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            return certificate.ServerOptions;
        })));

        Assert.True(certificate.IsLoaded);
        Assert.All(options, o => Assert.Same(options[0], o));
        Assert.Same(options[0].ServerCertificateContext, certificate.ServerOptions.ServerCertificateContext);
    }

    [Fact]
    public void ServerOptions_KeyOfAnotherCertificate_FailsOnFirstUseNotAtLoad()
    {
        var a = TestCertificates.CommonNameOnly("default/a", "a.example.com");
        var b = TestCertificates.CommonNameOnly("default/b", "b.example.com");
        var mismatched = new TlsCertificate("default/bad", a.CertificateChainPem, b.PrivateKeyPem, new[] { "a.example.com" });

        var certificate = CertificateStore.Load(mismatched);

        Assert.Equal(["a.example.com"], certificate.DnsNames);
        var error = Record.Exception(() => certificate.ServerOptions);
        Assert.True(error is CryptographicException or ArgumentException, $"unexpected {error}");
    }
}
