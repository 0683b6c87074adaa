namespace Portcullis.Translation.Tls;

using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

/// <summary>
/// Checks that a Secret's tls.crt and tls.key form a usable pair: both parse as PEM and the key
/// belongs to the leaf (first) certificate. Parsing is computation, not I/O, so the translator stays
/// pure. Validity dates are not checked: that would need a clock.
/// </summary>
internal static class CertificateValidator
{
    /// <summary>Null when the pair is usable, else why not.</summary>
    public static string? Validate(byte[] certificatePem, byte[] privateKeyPem)
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
            return "tls.crt and tls.key must be PEM text";
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certText);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return "tls.crt does not hold a PEM certificate";
        }

        using (leaf)
        {
            var keyError = CheckKeyMatches(leaf, keyText);
            if (keyError is not null)
            {
                return keyError;
            }

            try
            {
                // What the data plane will do with the pair; catches anything the checks above missed.
                using var withKey = X509Certificate2.CreateFromPem(certText, keyText);
                return withKey.HasPrivateKey ? null : "tls.key does not hold a private key";
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                return "tls.key cannot be used with the certificate in tls.crt";
            }
        }
    }

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
