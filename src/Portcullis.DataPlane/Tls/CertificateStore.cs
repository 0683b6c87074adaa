namespace Portcullis.DataPlane.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Portcullis.Ir;

/// <summary>
/// Loads certificates from PEM, keyed by content so an unchanged Secret reuses its chain context
/// across applies. Used only under the apply lock.
/// </summary>
internal sealed class CertificateStore
{
    private Dictionary<string, ServerCertificate> _loaded = new(StringComparer.Ordinal);
    private Dictionary<string, ServerCertificate> _next = new(StringComparer.Ordinal);

    /// <summary>Starts a new apply: certificates not requested before <see cref="EndApply"/> are dropped.</summary>
    public void BeginApply() => _next = new(StringComparer.Ordinal);

    public void EndApply() => _loaded = _next;

    /// <exception cref="CryptographicException">The PEM does not hold a certificate and matching key.</exception>
    public ServerCertificate GetOrLoad(TlsCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var key = ContentKey(certificate);
        if (!_next.TryGetValue(key, out var loaded))
        {
            if (!_loaded.TryGetValue(key, out loaded))
            {
                loaded = Load(certificate);
            }

            _next[key] = loaded;
        }

        return loaded;
    }

    public static ServerCertificate Load(TlsCertificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var chainPem = Encoding.ASCII.GetString(certificate.CertificateChainPem.Span);
        var keyPem = Encoding.ASCII.GetString(certificate.PrivateKeyPem.Span);

        // CreateFromPem takes the first certificate in the chain as the leaf; the rest are intermediates.
        var leaf = X509Certificate2.CreateFromPem(chainPem, keyPem);
        var all = new X509Certificate2Collection();
        all.ImportFromPem(chainPem);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            intermediates.Add(all[i]);
        }

        return new ServerCertificate(certificate.Name, leaf, intermediates);
    }

    private static string ContentKey(TlsCertificate certificate)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        BitConverter.TryWriteBytes(length, certificate.CertificateChainPem.Length);
        hash.AppendData(length);
        hash.AppendData(certificate.CertificateChainPem.Span);
        hash.AppendData(certificate.PrivateKeyPem.Span);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
