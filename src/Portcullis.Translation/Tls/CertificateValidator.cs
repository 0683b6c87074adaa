namespace Portcullis.Translation.Tls;

using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

/// <summary>
/// Checks that a Secret's tls.crt and tls.key form a usable pair: both parse as PEM and the key
/// belongs to the leaf (first) certificate. Parsing is computation, not I/O, so the translator stays
/// pure. Validity dates are not checked: that would need a clock. Usable pairs are mostly recognised by
/// <see cref="ManagedPairCheck"/>; OpenSSL parses what it cannot vouch for and words every error. Callers go through
/// <see cref="CertificateCheckCache"/>, which runs this once per distinct pair.
/// </summary>
internal static class CertificateValidator
{
    /// <summary>Null when the pair is usable, else why not.</summary>
    public static string? Validate(byte[] certificatePem, byte[] privateKeyPem) => Check(certificatePem, privateKeyPem).Error;

    /// <summary>Validates the pair and, when usable, reads the names the certificate serves.</summary>
    public static CertificateCheck Check(byte[] certificatePem, byte[] privateKeyPem)
    {
        string certText;
        string keyText;
        try
        {
            var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            certText = strict.GetString(certificatePem);
            keyText = strict.GetString(privateKeyPem);
        }
        catch (DecoderFallbackException)
        {
            return Failed("tls.crt and tls.key must be PEM text");
        }

        // A well-formed matching pair, the usual case, is recognised without OpenSSL; anything else is decided below.
        if (ManagedPairCheck.TryCheck(certText, keyText) is { } usable)
        {
            return usable;
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return Failed("tls.crt does not hold a PEM certificate");
        }

        using (leaf)
        {
            // The key is imported (which checks it) and its public half compared with the leaf's. Loading the
            // pair once more as the data plane does (CreateFromPem with the key) was more than half the cost of
            // validating 10,000 certificates; a pair that passes this and still fails there (none known) fails
            // the handshakes that select it, which the data plane reports.
            var keyError = CheckKeyMatches(leaf, keyText);
            return keyError is null ? new CertificateCheck(null, ReadDnsNames(leaf)) : Failed(keyError);
        }
    }

    /// <summary>The certificate's DNS SANs; only when it has none, its CN (the rule is the IR's).</summary>
    public static ImmutableArray<string> ReadDnsNames(X509Certificate2 certificate) => Ir.TlsCertificate.ReadDnsNames(certificate).AsImmutableArray();

    private static CertificateCheck Failed(string error) => new(error, []);

    private static string? CheckKeyMatches(X509Certificate2 leaf, string keyText)
    {
        try
        {
            if (leaf.GetRSAPublicKey() is { } rsaPublic)
            {
                using (rsaPublic)
                using (var rsa = RSA.Create())
                {
                    rsa.ImportFromPem(keyText);
                    var a = rsaPublic.ExportParameters(false);
                    var b = rsa.ExportParameters(false);
                    return a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent)
                        ? null : "tls.key does not match the certificate in tls.crt";
                }
            }

            if (leaf.GetECDsaPublicKey() is { } ecPublic)
            {
                using (ecPublic)
                using (var ec = ECDsa.Create())
                {
                    ec.ImportFromPem(keyText);
                    var a = ecPublic.ExportParameters(false).Q;
                    var b = ec.ExportParameters(false).Q;
                    return a.X.AsSpan().SequenceEqual(b.X) && a.Y.AsSpan().SequenceEqual(b.Y)
                        ? null : "tls.key does not match the certificate in tls.crt";
                }
            }

            return "the certificate in tls.crt has a key type other than RSA or ECDSA";
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return "tls.key does not hold a PEM private key matching the certificate's key type";
        }
    }
}
