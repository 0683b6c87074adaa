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

    /// <summary>TLS listener: see <see cref="L4ListenerConfig.TlsMode"/> for whether the gateway terminates it.</summary>
    Tls,
    Tcp,
    Udp,
}

public enum TlsMode
{
    /// <summary>The gateway completes the handshake with the listener's certificates and routes the plaintext.</summary>
    Terminate,

    /// <summary>The gateway reads only the ClientHello's SNI and passes the encrypted bytes on untouched.</summary>
    Passthrough,
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
    EquatableArray<RouteConfig> Routes)
{
    /// <summary>Set for TLS, TCP and UDP listeners (their routes are streams, not requests); null for HTTP and HTTPS.</summary>
    public L4ListenerConfig? L4 { get; init; }

    /// <summary>HTTPS only: the client certificate its handshakes ask for (Gateway spec.tls.frontend); null asks for none.</summary>
    public ClientCertificateValidation? ClientValidation { get; init; }
}

/// <summary>What a TLS, TCP or UDP listener serves.</summary>
/// <param name="TlsMode">TLS listeners only; null for TCP and UDP.</param>
/// <param name="Routes">
/// TLS: by hostname (exact, then wildcard, then "*"); TCP and UDP: the first route takes every connection.
/// In Gateway API precedence order (oldest route first).
/// </param>
public sealed record L4ListenerConfig(TlsMode? TlsMode, EquatableArray<L4RouteConfig> Routes);

/// <summary>One TLSRoute hostname, or a whole TCPRoute or UDPRoute, and the backends sharing its traffic by weight.</summary>
/// <param name="Name">"namespace/route/rule/N" (N is the rule's name when it has one).</param>
/// <param name="Hostname">TLS: the SNI it matches: exact, "*.suffix" wildcard, or "*" for any; TCP and UDP: "*".</param>
/// <param name="Backends">A backend marked Invalid or without endpoints gets its share of connections closed.</param>
public sealed record L4RouteConfig(string Name, string Hostname, EquatableArray<WeightedBackend> Backends);

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
