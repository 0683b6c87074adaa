namespace Portcullis.Model.GatewayApi;

/// <summary>
/// GEP-1619 session persistence, as a route rule field (HTTPRoute, GRPCRoute), a BackendLBPolicy or an
/// XBackendTrafficPolicy: the same shape in all three.
/// </summary>
public sealed record SessionPersistence
{
    /// <summary>Cookie or header name; generated per rule when unset.</summary>
    public string? SessionName { get; init; }

    /// <summary>Gateway API duration; for a Permanent cookie also its Max-Age.</summary>
    public string? AbsoluteTimeout { get; init; }

    /// <summary>Gateway API duration (v1.2.1 and BackendLBPolicy; gone from the v1.6.1 route rule).</summary>
    public string? IdleTimeout { get; init; }

    /// <summary>Cookie (the default) or Header.</summary>
    public string? Type { get; init; }

    public SessionCookieConfig? CookieConfig { get; init; }
}

public sealed record SessionCookieConfig
{
    /// <summary>Session (the default) or Permanent.</summary>
    public string? LifetimeType { get; init; }
}

public static class SessionPersistenceTypes
{
    public const string Cookie = "Cookie";
    public const string Header = "Header";
}

public static class CookieLifetimeTypes
{
    public const string Session = "Session";
    public const string Permanent = "Permanent";
}
