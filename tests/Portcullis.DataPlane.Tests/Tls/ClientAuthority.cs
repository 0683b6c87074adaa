namespace Portcullis.DataPlane.Tests.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

/// <summary>A client CA and one client certificate it signed (with its key, as a client presents it).</summary>
internal sealed class ClientAuthority : IDisposable
{
    public ClientAuthority(string name)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        Certificate = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=client of {name}", key, HashAlgorithmName.SHA256);
        // Inside the CA's validity: a leaf may not outlive its issuer, and the clock moved since the CA was made.
        using var signed = request.Create(Certificate, Certificate.NotBefore, Certificate.NotAfter.AddDays(-1), RandomNumberGenerator.GetBytes(12));
        Client = signed.CopyWithPrivateKey(key);
    }

    public X509Certificate2 Certificate { get; }

    public X509Certificate2 Client { get; }

    public void Dispose()
    {
        Certificate.Dispose();
        Client.Dispose();
    }
}
