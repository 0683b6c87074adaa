namespace Portcullis.Translation.Tests.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Translation.Tls;

public class CertificateValidatorTests
{
    private static (byte[] Cert, byte[] Key) SelfSigned(string cn)
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest($"CN={cn}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2125, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return (Encoding.ASCII.GetBytes(cert.ExportCertificatePem()), Encoding.ASCII.GetBytes(rsa.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void Validate_MatchingPair_IsValid()
    {
        var (cert, key) = SelfSigned("www.example.com");
        Assert.Null(CertificateValidator.Validate(cert, key));
    }

    [Fact]
    public void Validate_KeyOfAnotherCertificate_SaysKeyDoesNotMatch()
    {
        var (cert, _) = SelfSigned("www.example.com");
        var (_, otherKey) = SelfSigned("www.sample.com");
        Assert.Contains("does not match", CertificateValidator.Validate(cert, otherKey), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_GarbageCertificate_SaysNotAPemCertificate()
    {
        var (_, key) = SelfSigned("www.example.com");
        Assert.Contains("tls.crt", CertificateValidator.Validate("hello"u8.ToArray(), key), StringComparison.Ordinal);
    }
}
