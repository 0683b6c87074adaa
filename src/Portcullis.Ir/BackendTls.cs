namespace Portcullis.Ir;

/// <summary>
/// How the gateway speaks TLS to one backend (from its BackendTLSPolicy), and which client certificate it
/// presents when the backend asks for one (the Gateway's spec.tls.backend). Backends with equal settings share
/// one connection pool on the data plane.
/// </summary>
/// <param name="Policy">"namespace/name" of the BackendTLSPolicy, for logs.</param>
/// <param name="Sni">Sent as SNI; also the name the certificate must match when no SubjectAltNames are given.</param>
/// <param name="CaCertificatesPem">PEM CA certificates the backend's chain must end in; null means the system roots.</param>
/// <param name="SubjectAltDnsNames">When this or <paramref name="SubjectAltUris"/> is non-empty, the certificate must carry one of them (and Sni is not checked).</param>
/// <param name="SubjectAltUris">URI SANs, compared exactly.</param>
public sealed record BackendTls(
    string Policy,
    string Sni,
    string? CaCertificatesPem,
    EquatableArray<string> SubjectAltDnsNames,
    EquatableArray<string> SubjectAltUris)
{
    /// <summary>The Gateway's client certificate; null when the Gateway has none. Set per listener, so each Gateway presents its own.</summary>
    public TlsCertificate? ClientCertificate { get; init; }
}
