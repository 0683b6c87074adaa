namespace Portcullis.Ir;

public enum SessionType
{
    /// <summary>The gateway sends Set-Cookie; the client's Cookie header brings the session back.</summary>
    Cookie,

    /// <summary>The gateway answers with the header; the client sends it back on later requests.</summary>
    Header,
}

/// <summary>
/// Session persistence of one route rule (GEP-1619), from the rule's own sessionPersistence or, failing that,
/// from a BackendLBPolicy or XBackendTrafficPolicy on one of its Services. A new session picks a backend by
/// weight; later requests carrying the session go to the same endpoint while it exists.
/// </summary>
/// <param name="Key">
/// "namespace/route/rule/N": sessions belong to one rule, so two rules (or two routes) sending traffic to the same
/// Service never share one, as the GEP requires. Part of what the session value is bound to.
/// </param>
/// <param name="Name">Cookie or header name.</param>
/// <param name="AbsoluteTimeout">Counted from the session's first request; null for none.</param>
/// <param name="IdleTimeout">Counted from the session's last request; null for none.</param>
/// <param name="PermanentCookie">Cookie lifetimeType Permanent: Max-Age is the absolute timeout.</param>
public sealed record SessionConfig(
    string Key,
    SessionType Type,
    string Name,
    TimeSpan? AbsoluteTimeout = null,
    TimeSpan? IdleTimeout = null,
    bool PermanentCookie = false);
