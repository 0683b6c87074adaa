namespace Portcullis.DataPlane.Listeners;

/// <summary>
/// Set on every accepted connection: which of our ports it came in on (the local endpoint may be a
/// specific address under a wildcard bind) and, for TLS, what the handshake chose. Requests read it
/// to select the listener; the SNI is kept for 421 Misdirected Request detection
/// (<see cref="Routing.ListenerSelector"/>). The listener and certificate names record what the
/// handshake chose, for diagnostics: requests decide against the tables current when they arrive.
/// </summary>
internal sealed class GatewayConnectionFeature(PortKey port, bool isTls)
{
    public PortKey Port { get; } = port;

    public bool IsTls { get; } = isTls;

    /// <summary>The SNI the client sent, null when none.</summary>
    public string? ServerName { get; set; }

    /// <summary>The HTTPS listener chosen at handshake.</summary>
    public string? ListenerName { get; set; }

    /// <summary>The certificate chosen at handshake.</summary>
    public string? CertificateName { get; set; }
}
