namespace Portcullis.DataPlane.Forwarding.Reencrypt;

using System.Formats.Asn1;
using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Portcullis.Ir;

/// <summary>
/// Judges a backend's certificate as BackendTLSPolicy asks: the chain must end in one of the policy's CA
/// certificates (or a system root), and the leaf must carry one of the subjectAltNames, or, when there are
/// none, match the hostname. Revocation is not checked (no network from the data plane to CRL or OCSP).
/// </summary>
internal sealed class BackendCertificateVerifier
{
    private const string SubjectAltNameOid = "2.5.29.17";
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    private readonly Ir.BackendTls _settings;
    private readonly X509Certificate2Collection? _roots;

    public BackendCertificateVerifier(Ir.BackendTls settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        if (settings.CaCertificatesPem is { } pem)
        {
            _roots = [];
            _roots.ImportFromPem(pem);
        }
    }

    /// <summary>
    /// The client side of a handshake to the backend: the policy's hostname as SNI, TLS 1.2/1.3, this verifier as the
    /// judge. Why a certificate was refused lands in <paramref name="refused"/> (for the log line).
    /// </summary>
    public SslClientAuthenticationOptions ClientOptions(SslStreamCertificateContext? client, SslApplicationProtocol? alpn, StrongBox<string?> refused)
    {
        ArgumentNullException.ThrowIfNull(refused);
        return new SslClientAuthenticationOptions
        {
            TargetHost = _settings.Sni,
            ApplicationProtocols = alpn is { } protocol ? [protocol] : null,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateContext = client,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
            {
                refused.Value = certificate is X509Certificate2 leaf ? Verify(leaf, chain) : "the backend sent no certificate";
                return refused.Value is null;
            },
        };
    }

    /// <summary>Null when the certificate is acceptable, else why not (for the log).</summary>
    /// <param name="presented">The chain the TLS stack built from what the backend sent: its elements supply the intermediates.</param>
    public string? Verify(X509Certificate2 leaf, X509Chain? presented)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (_roots is not null)
            {
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
            }

            if (presented is not null)
            {
                chain.ChainPolicy.ExtraStore.AddRange(presented.ChainPolicy.ExtraStore);
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            if (!chain.Build(leaf))
            {
                var problems = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
                return $"certificate chain of {leaf.Subject} does not verify against {(_roots is null ? "the system roots" : "the policy's CA certificates")} ({string.Join(", ", problems)})";
            }
        }

        if (_settings.SubjectAltDnsNames.IsEmpty && _settings.SubjectAltUris.IsEmpty)
        {
            return leaf.MatchesHostname(_settings.Sni) ? null : $"certificate {leaf.Subject} does not match hostname {_settings.Sni}";
        }

        foreach (var name in _settings.SubjectAltDnsNames)
        {
            if (leaf.MatchesHostname(name, allowWildcards: true, allowCommonName: false))
            {
                return null;
            }
        }

        var uris = ReadUris(leaf);
        foreach (var uri in _settings.SubjectAltUris)
        {
            if (uris.Contains(uri))
            {
                return null;
            }
        }

        return $"certificate {leaf.Subject} has none of the subjectAltNames {string.Join(", ", _settings.SubjectAltDnsNames.Concat(_settings.SubjectAltUris))}";
    }

    /// <summary>The URI entries of the subjectAltName extension (.NET reads only its DNS names and IP addresses).</summary>
    internal static List<string> ReadUris(X509Certificate2 certificate)
    {
        var uris = new List<string>();
        if (certificate.Extensions[SubjectAltNameOid] is not { } extension)
        {
            return uris;
        }

        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                if (names.PeekTag() == UriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension carries no URI we could trust.
        }
        catch (CryptographicException)
        {
        }

        return uris;
    }
}
