namespace Portcullis.DataPlane.Listeners;

/// <summary>
/// Set on every accepted connection: which of our ports it came in on (the local endpoint may be a
/// specific address under a wildcard bind) and, for TLS, the SNI the client sent. Requests read it to
/// select the listener and to detect 421 Misdirected Request (<see cref="Routing.ListenerSelector"/>),
/// against the tables current when they arrive, so nothing else of the handshake is kept.
/// </summary>
internal sealed class GatewayConnectionFeature(PortKey port, bool isTls)
{
    public PortKey Port { get; } = port;

    public bool IsTls { get; } = isTls;

    /// <summary>The SNI the client sent, null when none.</summary>
    public string? ServerName { get; set; }

    /// <summary>
    /// The client's address as X-Forwarded-For writes it, formatted by the connection's first forwarded request and
    /// reused by the others (keep-alive, HTTP/2 streams): formatting an address costs a string and ~100 ns each time.
    /// </summary>
    public string? ClientAddress { get; set; }

    /// <summary>The client-certificate requirement the handshake applied (null: none asked for); requests must match it.</summary>
    public Tls.ClientCertificatePolicy? ClientCertificates { get; set; }
}
