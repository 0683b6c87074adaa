namespace Portcullis.Translation.Tests.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portcullis.Translation.Tls;

public class ManagedPairCheckTests
{
    private static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset NotAfter = new(2125, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string CertificatePem(AsymmetricAlgorithm key, string subject, params string[] sans)
    {
        var req = key switch
        {
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
            _ => throw new ArgumentException("RSA or ECDSA", nameof(key)),
        };
        if (sans.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in sans)
            {
                san.AddDnsName(name);
            }

            req.CertificateExtensions.Add(san.Build());
        }

        using var cert = req.CreateSelfSigned(NotBefore, NotAfter);
        return cert.ExportCertificatePem();
    }

    /// <summary>The names the OpenSSL path reads, for comparison.</summary>
    private static string[] SlowNames(string certificatePem)
    {
        using var cert = X509Certificate2.CreateFromPem(certificatePem);
        return [.. CertificateValidator.ReadDnsNames(cert)];
    }

    public static TheoryData<string> KeyFormats => ["rsa-pkcs8", "rsa-pkcs1", "ec-pkcs8", "ec-sec1"];

    private static (AsymmetricAlgorithm Key, string Pem) Key(string format) => format switch
    {
        "rsa-pkcs8" => WithPem(RSA.Create(2048), k => k.ExportPkcs8PrivateKeyPem()),
        "rsa-pkcs1" => WithPem(RSA.Create(2048), k => k.ExportRSAPrivateKeyPem()),
        "ec-pkcs8" => WithPem(ECDsa.Create(ECCurve.NamedCurves.nistP256), k => k.ExportPkcs8PrivateKeyPem()),
        _ => WithPem(ECDsa.Create(ECCurve.NamedCurves.nistP384), k => k.ExportECPrivateKeyPem()),
    };

    private static (AsymmetricAlgorithm, string) WithPem<T>(T key, Func<T, string> export)
        where T : AsymmetricAlgorithm => (key, export(key));

    [Theory]
    [MemberData(nameof(KeyFormats))]
    public void TryCheck_MatchingPair_IsUsableWithTheNamesOpenSslReads(string format)
    {
        var (key, keyPem) = Key(format);
        using (key)
        {
            var cert = CertificatePem(key, "CN=www.example.com, O=Example");

            var check = ManagedPairCheck.TryCheck(cert, keyPem);

            Assert.NotNull(check);
            Assert.Null(check.Error);
            Assert.Equal(SlowNames(cert), check.DnsNames.ToArray());
            Assert.Equal(["www.example.com"], [.. check.DnsNames]);
        }
    }

    [Theory]
    [MemberData(nameof(KeyFormats))]
    public void TryCheck_KeyOfAnotherCertificate_LeavesTheVerdictToOpenSsl(string format)
    {
        var (key, _) = Key(format);
        var (other, otherPem) = Key(format);
        using (key)
        using (other)
        {
            var cert = CertificatePem(key, "CN=www.example.com");

            Assert.Null(ManagedPairCheck.TryCheck(cert, otherPem));
            Assert.Contains("does not match", CertificateValidator.Validate(System.Text.Encoding.ASCII.GetBytes(cert), System.Text.Encoding.ASCII.GetBytes(otherPem)), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryCheck_SubjectAltNames_AreTheNamesAndNotTheCommonName()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = CertificatePem(ec, "CN=ignored.example.com", "a.example.com", "*.b.example.com");

        var check = ManagedPairCheck.TryCheck(cert, ec.ExportPkcs8PrivateKeyPem());

        Assert.NotNull(check);
        Assert.Equal(["a.example.com", "*.b.example.com"], [.. check.DnsNames]);
        Assert.Equal(SlowNames(cert), check.DnsNames.ToArray());
    }

    [Fact]
    public void TryCheck_ChainWithKeyAfterIt_ReadsTheLeafOnly()
    {
        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var chain = CertificatePem(leafKey, "CN=leaf.example.com") + "\n" + CertificatePem(caKey, "CN=ca.example.com");

        var check = ManagedPairCheck.TryCheck(chain, "comment before the key\n" + leafKey.ExportPkcs8PrivateKeyPem());

        Assert.NotNull(check);
        Assert.Equal(["leaf.example.com"], [.. check.DnsNames]);
    }

    [Fact]
    public void TryCheck_SubjectWithoutCommonNameOrSan_LeavesTheNamesToOpenSsl()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = CertificatePem(ec, "O=Example, OU=Web");

        Assert.Null(ManagedPairCheck.TryCheck(cert, ec.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void TryCheck_PublicKeyInsteadOfPrivateKey_LeavesTheVerdictToOpenSsl()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = CertificatePem(ec, "CN=www.example.com");

        Assert.Null(ManagedPairCheck.TryCheck(cert, ec.ExportSubjectPublicKeyInfoPem()));
    }

    [Fact]
    public void TryCheck_TwoPrivateKeys_LeavesTheVerdictToOpenSsl()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = CertificatePem(ec, "CN=www.example.com");
        var key = ec.ExportPkcs8PrivateKeyPem();

        Assert.Null(ManagedPairCheck.TryCheck(cert, key + "\n" + key));
    }

    [Fact]
    public void TryCheck_TruncatedCertificate_LeavesTheVerdictToOpenSsl()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var full = new CertificateRequest("CN=www.example.com", ec, HashAlgorithmName.SHA256).CreateSelfSigned(NotBefore, NotAfter);
        var truncated = PemEncoding.WriteString("CERTIFICATE", full.RawData.AsSpan(0, full.RawData.Length - 10));

        Assert.Null(ManagedPairCheck.TryCheck(truncated, ec.ExportPkcs8PrivateKeyPem()));
        Assert.NotNull(CertificateValidator.Validate(System.Text.Encoding.ASCII.GetBytes(truncated), System.Text.Encoding.ASCII.GetBytes(ec.ExportPkcs8PrivateKeyPem())));
    }
    [Fact]
    public void TryCheck_EcKeyWithoutItsPublicPoint_LeavesTheVerdictToOpenSslWhichAcceptsIt()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var cert = CertificatePem(ec, "CN=www.example.com");
        var d = ec.ExportParameters(includePrivateParameters: true).D!;
        var sec1 = new System.Formats.Asn1.AsnWriter(System.Formats.Asn1.AsnEncodingRules.DER);
        using (sec1.PushSequence())
        {
            sec1.WriteInteger(1);
            sec1.WriteOctetString(d);
            using (sec1.PushSequence(new System.Formats.Asn1.Asn1Tag(System.Formats.Asn1.TagClass.ContextSpecific, 0)))
            {
                sec1.WriteObjectIdentifier("1.2.840.10045.3.1.7"); // P-256
            }
        }

        var key = PemEncoding.WriteString("EC PRIVATE KEY", sec1.Encode());

        Assert.Null(ManagedPairCheck.TryCheck(cert, key));
        Assert.Null(CertificateValidator.Validate(System.Text.Encoding.ASCII.GetBytes(cert), System.Text.Encoding.ASCII.GetBytes(key)));
    }
}
