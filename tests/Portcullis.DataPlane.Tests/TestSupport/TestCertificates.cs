namespace Portcullis.DataPlane.Tests.TestSupport;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Ir;

/// <summary>A test CA and leaves signed by it, exported to PEM like a kubernetes.io/tls Secret.</summary>
internal static class TestCertificates
{
    private static readonly Lazy<(X509Certificate2 Certificate, ECDsa Key)> Ca = new(CreateCa);
    private static readonly Lazy<string> CaFile = new(WriteCaFile);

    /// <summary>The test CA's certificate.</summary>
    public static X509Certificate2 Authority => Ca.Value.Certificate;

    /// <summary>The authority's certificate in a PEM file, for curl's --cacert: written once per test run, deleted at its end.</summary>
    public static string AuthorityPemFile => CaFile.Value;

    /// <summary>
    /// Accepts a server certificate only when it chains to the test CA. The host name is not
    /// checked: tests choose SNI names the certificate deliberately may not carry.
    /// </summary>
    public static bool IsIssuedByTestCa(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }

    /// <summary>A leaf whose only name is its CN (no SAN extension), like the workshop's certificates.</summary>
    public static TlsCertificate CommonNameOnly(string name, string commonName) => Leaf(name, commonName, []);

    public static TlsCertificate WithSans(string name, string commonName, params string[] dnsNames) => Leaf(name, commonName, dnsNames);

    /// <summary>The CN of the leaf a client saw.</summary>
    public static string CommonNameOf(X509Certificate certificate) =>
        new X509Certificate2(certificate).GetNameInfo(X509NameType.SimpleName, forIssuer: false);

    private static string WriteCaFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"portcullis-dataplane-tests-ca-{Environment.ProcessId}.pem");
        File.WriteAllText(path, Authority.ExportCertificatePem());
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    }

    private static TlsCertificate Leaf(string name, string commonName, string[] dnsNames)
    {
        var (caCertificate, caKey) = Ca.Value;
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        if (dnsNames.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var dnsName in dnsNames)
            {
                san.AddDnsName(dnsName);
            }

            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        using var leaf = request.Create(caCertificate, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), serial);
        var chain = leaf.ExportCertificatePem() + "\n" + caCertificate.ExportCertificatePem() + "\n";
        return new TlsCertificate(
            name,
            new PrivateBytes(Encoding.ASCII.GetBytes(chain)),
            new PrivateBytes(Encoding.ASCII.GetBytes(key.ExportPkcs8PrivateKeyPem())));
    }

    private static (X509Certificate2, ECDsa) CreateCa()
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Portcullis Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(365));
        return (certificate, key);
    }
}
