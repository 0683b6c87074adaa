namespace Portcullis.DataPlane.Tests.Forwarding;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portcullis.DataPlane.Forwarding.Reencrypt;
using Portcullis.Ir;

public sealed class BackendCertificateVerifierTests : IDisposable
{
    private readonly X509Certificate2 _ca = CreateCa("backend-test-ca");
    private readonly X509Certificate2 _otherCa = CreateCa("unrelated-ca");
    private readonly X509Certificate2 _leaf;

    public BackendCertificateVerifierTests()
    {
        _leaf = Issue(_ca, "abc.example.com", san =>
        {
            san.AddDnsName("abc.example.com");
            san.AddUri(new Uri("spiffe://abc.example.com/test-identity"));
        });
    }

    [Fact]
    public void Verify_ChainToPolicyCaAndHostnameMatch_Accepts() =>
        Assert.Null(new BackendCertificateVerifier(Settings(_ca, "abc.example.com")).Verify(_leaf, null));

    [Fact]
    public void Verify_ChainToAnotherCa_RefusesNamingTheChain()
    {
        var why = new BackendCertificateVerifier(Settings(_otherCa, "abc.example.com")).Verify(_leaf, null);
        Assert.Contains("does not verify against the policy's CA certificates", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SystemRootsAndPrivateCa_Refuses() =>
        Assert.NotNull(new BackendCertificateVerifier(Settings(null, "abc.example.com")).Verify(_leaf, null));

    [Fact]
    public void Verify_HostnameNotInCertificate_Refuses()
    {
        var why = new BackendCertificateVerifier(Settings(_ca, "mismatch.example.com")).Verify(_leaf, null);
        Assert.Contains("does not match hostname mismatch.example.com", why, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_SubjectAltNamesGiven_HostnameIsNotChecked()
    {
        var settings = Settings(_ca, "other.example.com") with { SubjectAltDnsNames = new[] { "abc.example.com" } };
        Assert.Null(new BackendCertificateVerifier(settings).Verify(_leaf, null));
    }

    [Fact]
    public void Verify_UriSanMatches_AcceptsAndMismatchRefuses()
    {
        var match = Settings(_ca, "abc.example.com") with { SubjectAltUris = new[] { "spiffe://abc.example.com/test-identity" } };
        var mismatch = Settings(_ca, "abc.example.com") with { SubjectAltUris = new[] { "spiffe://def.example.com/test-identity" } };
        Assert.Null(new BackendCertificateVerifier(match).Verify(_leaf, null));
        Assert.Contains("has none of the subjectAltNames", new BackendCertificateVerifier(mismatch).Verify(_leaf, null), StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_OneOfSeveralSansMatches_Accepts()
    {
        var settings = Settings(_ca, "abc.example.com") with
        {
            SubjectAltDnsNames = new[] { "def.example.com" },
            SubjectAltUris = new[] { "spiffe://abc.example.com/test-identity" },
        };
        Assert.Null(new BackendCertificateVerifier(settings).Verify(_leaf, null));
    }

    [Fact]
    public void ReadUris_CertificateWithUriSan_ReturnsIt() =>
        Assert.Equal(["spiffe://abc.example.com/test-identity"], BackendCertificateVerifier.ReadUris(_leaf));

    public void Dispose()
    {
        _ca.Dispose();
        _otherCa.Dispose();
        _leaf.Dispose();
    }

    private static BackendTls Settings(X509Certificate2? ca, string sni) =>
        new("default/policy", sni, ca?.ExportCertificatePem(), EquatableArray<string>.Empty, EquatableArray<string>.Empty);

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string commonName, Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);
        return cert.CopyWithPrivateKey(key);
    }
}
