namespace Portcullis.DataPlane.Tls;

using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

/// <summary>
/// A loaded certificate: its chain context and server options built once, and the DNS names it
/// answers for (its DNS SANs, or its CN when it has no DNS SAN).
/// </summary>
internal sealed class ServerCertificate
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    public ServerCertificate(string name, X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        Name = name;
        Leaf = leaf;
        DnsNames = ReadDnsNames(leaf);

        // offline: the chain comes from the Secret; never fetch intermediates from the network.
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);

        // Shared by every handshake that picks this certificate: Kestrel only clones options when
        // an OnAuthenticate callback could mutate them, and we have none.
        ServerOptions = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            ApplicationProtocols = Alpn,
            ClientCertificateRequired = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
    }

    /// <summary>"namespace/secret".</summary>
    public string Name { get; }

    public X509Certificate2 Leaf { get; }

    public IReadOnlyList<string> DnsNames { get; }

    public SslServerAuthenticationOptions ServerOptions { get; }

    public static IReadOnlyList<string> ReadDnsNames(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
            }
        }

        if (names.Count == 0)
        {
            // Only when there is no DNS SAN does the CN name the host (the workshop's certificates).
            var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(commonName))
            {
                names.Add(commonName);
            }
        }

        return names;
    }
}
