namespace Portcullis.Translation.Tls;

using System.Collections.Immutable;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

/// <summary>
/// The fast path of <see cref="CertificateValidator"/>: reads the leaf certificate and the private key with
/// System.Formats.Asn1 and compares the public key the key file carries with the certificate's, without handing
/// either to OpenSSL. At 10,000 Secrets OpenSSL's certificate parse and key import were ~300 µs a pair, nearly all
/// of the first translation; this is a few µs. It only ever says "usable": anything it does not fully understand
/// or that does not match (another key type, an EC key without its public point, a subject without exactly one CN
/// and no SAN, a mismatch) returns null, and the caller decides with OpenSSL as before, so every error message
/// and every unusual case stay what they were.
/// What it does not do, unlike the OpenSSL import: check that an EC private scalar gives the public point stored
/// beside it (a key file edited by hand to carry a foreign public key passes here and fails its handshakes, which
/// the data plane reports).
/// </summary>
internal static class ManagedPairCheck
{
    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";
    private const string CommonNameOid = "2.5.4.3";
    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>A usable pair's check, or null when the slow path must decide.</summary>
    public static CertificateCheck? TryCheck(string certText, string keyText)
    {
        try
        {
            var certificate = FirstBlock(certText, "CERTIFICATE");
            var key = SinglePrivateKey(keyText);
            if (certificate is null || key is null)
            {
                return null;
            }

            var leaf = ReadCertificate(certificate);
            return leaf is { } l && KeyMatches(l.Algorithm, l.Parameters, l.PublicKey, key.Value.Label, key.Value.Der)
                ? new CertificateCheck(null, l.DnsNames)
                : null;
        }
        catch (Exception e) when (e is AsnContentException or CryptographicException or FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static byte[]? FirstBlock(string text, string label)
    {
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual(label))
            {
                return Convert.FromBase64String(rest[fields.Base64Data].ToString());
            }

            rest = rest[fields.Location.End..];
        }

        return null;
    }

    /// <summary>
    /// The key file's one private key, as ImportFromPem would take it: exactly one block with a key label (a
    /// public key counts, and then the slow path decides), and it is an unencrypted private key.
    /// </summary>
    private static (string Label, byte[] Der)? SinglePrivateKey(string text)
    {
        (string, byte[])? found = null;
        var keys = 0;
        var rest = text.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            var label = rest[fields.Label];
            if (label is "PRIVATE KEY" or "EC PRIVATE KEY" or "RSA PRIVATE KEY")
            {
                keys++;
                found = (label.ToString(), Convert.FromBase64String(rest[fields.Base64Data].ToString()));
            }
            else if (label is "PUBLIC KEY" or "RSA PUBLIC KEY" or "ENCRYPTED PRIVATE KEY")
            {
                keys++;
            }

            rest = rest[fields.Location.End..];
        }

        return keys == 1 ? found : null;
    }

    private readonly record struct Leaf(string Algorithm, ReadOnlyMemory<byte>? Parameters, byte[] PublicKey, ImmutableArray<string> DnsNames);

    /// <summary>The whole DER structure of an X.509 certificate (RFC 5280 4.1), strictly; null when its names need the slow path.</summary>
    private static Leaf? ReadCertificate(byte[] der)
    {
        var outer = new AsnReader(der, AsnEncodingRules.DER);
        var certificate = outer.ReadSequence();
        outer.ThrowIfNotEmpty();
        var tbs = certificate.ReadSequence();
        certificate.ReadSequence(); // signatureAlgorithm
        certificate.ReadBitString(out _);
        certificate.ThrowIfNotEmpty();

        if (tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            var version = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0));
            version.ReadInteger();
            version.ThrowIfNotEmpty();
        }

        tbs.ReadInteger(); // serialNumber
        tbs.ReadSequence(); // signature
        tbs.ReadSequence(); // issuer
        var validity = tbs.ReadSequence();
        ReadTime(validity);
        ReadTime(validity);
        validity.ThrowIfNotEmpty();
        var subject = tbs.ReadSequence();
        var spki = tbs.ReadSequence();
        var algorithm = spki.ReadSequence();
        var algorithmOid = algorithm.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? parameters = algorithm.HasData ? algorithm.ReadEncodedValue() : null;
        algorithm.ThrowIfNotEmpty();
        var publicKey = spki.ReadBitString(out var unused);
        spki.ThrowIfNotEmpty();
        if (unused != 0)
        {
            return null;
        }

        var names = new List<string>();
        var hasSan = false;
        foreach (var tag in (ReadOnlySpan<int>)[1, 2])
        {
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, tag)))
            {
                tbs.ReadEncodedValue(); // issuerUniqueID, subjectUniqueID
            }
        }

        if (tbs.HasData)
        {
            var extensions = tbs.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 3)).ReadSequence();
            while (extensions.HasData)
            {
                var extension = extensions.ReadSequence();
                var oid = extension.ReadObjectIdentifier();
                var critical = extension.HasData && extension.PeekTag().HasSameClassAndValue(Asn1Tag.Boolean) && extension.ReadBoolean();
                var value = extension.ReadOctetString();
                extension.ThrowIfNotEmpty();
                if (oid == SubjectAltNameOid)
                {
                    // The same reader X509Certificate2.Extensions hands out, so the names are the same.
                    hasSan = true;
                    names.AddRange(new X509SubjectAlternativeNameExtension(value, critical).EnumerateDnsNames());
                }
            }
        }

        tbs.ThrowIfNotEmpty();
        if (names.Count == 0)
        {
            // The IR's rule: the CN only when there are no DNS SANs. X509Certificate2's "simple name" falls back to
            // other attributes when there is no CN; those cases (and several CNs) go the slow way.
            if (hasSan || CommonName(subject) is not { } cn)
            {
                return null;
            }

            names.Add(cn);
        }

        return new Leaf(algorithmOid, parameters, publicKey, [.. names]);
    }

    private static void ReadTime(AsnReader validity)
    {
        if (validity.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime))
        {
            validity.ReadUtcTime();
        }
        else
        {
            validity.ReadGeneralizedTime();
        }
    }

    /// <summary>The subject's one CN in a string type read as text, or null.</summary>
    private static string? CommonName(AsnReader subject)
    {
        string? found = null;
        var count = 0;
        while (subject.HasData)
        {
            var rdn = subject.ReadSetOf();
            while (rdn.HasData)
            {
                var attribute = rdn.ReadSequence();
                var type = attribute.ReadObjectIdentifier();
                if (type != CommonNameOid)
                {
                    attribute.ReadEncodedValue();
                    continue;
                }

                count++;
                var tag = attribute.PeekTag();
                found = tag.TagClass == TagClass.Universal && (UniversalTagNumber)tag.TagValue is UniversalTagNumber.UTF8String
                    or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                    ? attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue)
                    : null;
            }
        }

        return count == 1 && !string.IsNullOrEmpty(found) ? found : null;
    }

    private static bool KeyMatches(string algorithm, ReadOnlyMemory<byte>? parameters, byte[] certificateKey, string label, byte[] der)
    {
        switch (label)
        {
            case "RSA PRIVATE KEY":
                return algorithm == RsaOid && RsaMatches(certificateKey, der);
            case "EC PRIVATE KEY":
                return algorithm == EcOid && EcMatches(parameters, certificateKey, der, keyParameters: null);
        }

        // PKCS#8 PrivateKeyInfo (RFC 5208/5958): version, algorithm, the key in an OCTET STRING, optional attributes.
        var info = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        info.ReadInteger();
        var keyAlgorithm = info.ReadSequence();
        var keyOid = keyAlgorithm.ReadObjectIdentifier();
        ReadOnlyMemory<byte>? keyParameters = keyAlgorithm.HasData ? keyAlgorithm.ReadEncodedValue() : null;
        var inner = info.ReadOctetString();
        return keyOid == algorithm && algorithm switch
        {
            RsaOid => RsaMatches(certificateKey, inner),
            EcOid => EcMatches(parameters, certificateKey, inner, keyParameters),
            _ => false,
        };
    }

    /// <summary>RSAPrivateKey (RFC 8017 A.1.2) against the certificate's RSAPublicKey: the same modulus and exponent.</summary>
    private static bool RsaMatches(byte[] certificateKey, byte[] der)
    {
        var publicKey = new AsnReader(certificateKey, AsnEncodingRules.DER).ReadSequence();
        var privateKey = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        privateKey.ReadInteger(); // version
        return publicKey.ReadIntegerBytes().Span.SequenceEqual(privateKey.ReadIntegerBytes().Span)
            && publicKey.ReadIntegerBytes().Span.SequenceEqual(privateKey.ReadIntegerBytes().Span);
    }

    /// <summary>
    /// ECPrivateKey (RFC 5915) against the certificate's point: the same named curve and the same encoded point,
    /// which the key must carry (keys without it need the point computed: the slow path).
    /// </summary>
    private static bool EcMatches(ReadOnlyMemory<byte>? certificateParameters, byte[] certificateKey, byte[] der, ReadOnlyMemory<byte>? keyParameters)
    {
        var key = new AsnReader(der, AsnEncodingRules.BER).ReadSequence();
        key.ReadInteger();
        key.ReadOctetString();
        var curve = keyParameters;
        if (key.HasData && key.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 0)))
        {
            var explicitParameters = key.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0)).ReadEncodedValue();
            if (curve is { } fromInfo && !fromInfo.Span.SequenceEqual(explicitParameters.Span))
            {
                return false;
            }

            curve = explicitParameters;
        }

        if (!key.HasData || !key.PeekTag().HasSameClassAndValue(new Asn1Tag(TagClass.ContextSpecific, 1)))
        {
            return false;
        }

        var point = key.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 1)).ReadBitString(out var unused);
        return unused == 0 && curve is { } c && certificateParameters is { } p
            && new AsnReader(p, AsnEncodingRules.DER).PeekTag().HasSameClassAndValue(Asn1Tag.ObjectIdentifier)
            && c.Span.SequenceEqual(p.Span) && point.AsSpan().SequenceEqual(certificateKey);
    }
}
