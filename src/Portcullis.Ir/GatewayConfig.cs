namespace Portcullis.Ir;

/// <summary>
/// What the data plane serves: every listener with its certificates and routes, already validated,
/// resolved and sorted by the translator. Immutable; the data plane swaps it whole.
/// </summary>
public sealed record GatewayConfig(EquatableArray<ListenerConfig> Listeners)
{
    public static GatewayConfig Empty { get; } = new(EquatableArray<ListenerConfig>.Empty);
}

public enum ListenerProtocol
{
    Http,
    Https,
}

/// <summary>
/// One Gateway listener, bound at Address:Port. Several listeners may share an address and port;
/// the data plane then picks one per connection by SNI (HTTPS) or per request by Host (HTTP),
/// against Hostname: exact, then wildcard, then a listener without hostname.
/// </summary>
/// <param name="Name">"namespace/gateway/listener", unique.</param>
/// <param name="Address">IP literal to bind; "0.0.0.0" or "::" binds every interface.</param>
/// <param name="Hostname">Exact ("www.example.com") or wildcard ("*.example.com"); null matches any.</param>
/// <param name="Certificates">HTTPS only: the valid certificateRefs in the order they were listed.</param>
/// <param name="Routes">In Gateway API precedence order: the first that matches a request wins.</param>
public sealed record ListenerConfig(
    string Name,
    string Address,
    int Port,
    ListenerProtocol Protocol,
    string? Hostname,
    EquatableArray<TlsCertificate> Certificates,
    EquatableArray<RouteConfig> Routes);

/// <summary>A certificate chain (leaf first, PEM) and its private key (PEM), from one Secret.</summary>
/// <param name="Name">"namespace/secret".</param>
/// <param name="DnsNames">
/// The names the leaf serves, for SNI selection: its DNS SANs, or its CN when it has none. Filled by the
/// translator, which parses the certificate anyway, so the data plane need not parse certificates until a
/// handshake selects one. Empty means unknown: the data plane then reads them from the certificate.
/// </param>
public sealed record TlsCertificate(string Name, PrivateBytes CertificateChainPem, PrivateBytes PrivateKeyPem, EquatableArray<string> DnsNames = default)
{
    /// <summary>
    /// The rule behind <see cref="DnsNames"/>, shared by the translator and the data plane: the DNS SANs;
    /// only when there are none, the CN (the workshop's certificates have only a CN).
    /// </summary>
    public static EquatableArray<string> ReadDnsNames(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            if (extension is System.Security.Cryptography.X509Certificates.X509SubjectAlternativeNameExtension san)
            {
                names.AddRange(san.EnumerateDnsNames());
            }
        }

        if (names.Count == 0)
        {
            var commonName = certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, forIssuer: false);
            if (!string.IsNullOrEmpty(commonName))
            {
                names.Add(commonName);
            }
        }

        return names.ToEquatableArray();
    }
}
