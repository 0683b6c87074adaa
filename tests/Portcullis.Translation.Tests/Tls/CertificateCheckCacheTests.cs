namespace Portcullis.Translation.Tests.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Translation.Tls;

public class CertificateCheckCacheTests
{
    private static (byte[] Cert, byte[] Key) SelfSigned(string cn, params string[] sans)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest($"CN={cn}", ec, HashAlgorithmName.SHA256);
        if (sans.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var name in sans)
            {
                san.AddDnsName(name);
            }

            req.CertificateExtensions.Add(san.Build());
        }

        using var cert = req.CreateSelfSigned(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2125, 1, 1, 0, 0, 0, TimeSpan.Zero));
        return (Encoding.ASCII.GetBytes(cert.ExportCertificatePem()), Encoding.ASCII.GetBytes(ec.ExportPkcs8PrivateKeyPem()));
    }

    [Fact]
    public void Check_SameContentInNewArrays_ValidatesOnce()
    {
        var cache = new CertificateCheckCache();
        var (cert, key) = SelfSigned("www.example.com");

        var first = cache.Check(cert, key);
        var second = cache.Check([.. cert], [.. key]);

        Assert.Null(first.Error);
        Assert.Same(first, second);
        Assert.Equal(1, cache.Validations);
    }

    [Fact]
    public void Check_SameCertificateWithAnotherKey_IsValidatedAgainAndRejected()
    {
        var cache = new CertificateCheckCache();
        var (cert, key) = SelfSigned("www.example.com");
        var (_, otherKey) = SelfSigned("www.sample.com");

        Assert.Null(cache.Check(cert, key).Error);
        var changed = cache.Check(cert, otherKey);

        Assert.Contains("does not match", changed.Error, StringComparison.Ordinal);
        Assert.Empty(changed.DnsNames);
        Assert.Equal(2, cache.Validations);
    }

    [Fact]
    public void Check_ValidPair_GivesDnsSansElseTheCommonName()
    {
        var cache = new CertificateCheckCache();
        var (sanCert, sanKey) = SelfSigned("ignored.example.com", "www.example.com", "*.example.com");
        var (cnCert, cnKey) = SelfSigned("shop.example.com");

        Assert.Equal(["www.example.com", "*.example.com"], cache.Check(sanCert, sanKey).DnsNames.ToArray());
        Assert.Equal(["shop.example.com"], cache.Check(cnCert, cnKey).DnsNames.ToArray());
    }

    [Fact]
    public void Check_MoreDistinctPairsThanCapacity_StaysBoundedAndKeepsTheRecentOnes()
    {
        var cache = new CertificateCheckCache(capacity: 4);
        var pairs = Enumerable.Range(0, 6).Select(i => SelfSigned($"h{i}.example.com")).ToArray();

        foreach (var (cert, key) in pairs)
        {
            cache.Check(cert, key);
        }

        Assert.InRange(cache.Count, 1, 4);
        var validations = cache.Validations;
        cache.Check(pairs[^1].Cert, pairs[^1].Key);
        Assert.Equal(validations, cache.Validations);
    }
}
