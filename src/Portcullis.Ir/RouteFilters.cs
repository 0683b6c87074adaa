namespace Portcullis.Ir;

using System.Text.Json.Serialization;

/// <summary>
/// The filters that change a forwarded request or its response, already validated by the translator.
/// Used at rule level (<see cref="RouteAction.Filters"/>) and backend level
/// (<see cref="WeightedBackend.Filters"/>, applied only when that backend is picked, after the rule's).
/// </summary>
/// <param name="RequestHeaders">RequestHeaderModifier.</param>
/// <param name="ResponseHeaders">ResponseHeaderModifier.</param>
/// <param name="UrlRewrite">URLRewrite: Host header and path sent to the backend.</param>
/// <param name="Mirrors">RequestMirror filters whose backend resolved; the client's response never waits on them.</param>
public sealed record HttpFilters(
    HeaderModifier? RequestHeaders = null,
    HeaderModifier? ResponseHeaders = null,
    UrlRewrite? UrlRewrite = null,
    EquatableArray<RequestMirror> Mirrors = default)
{
    [JsonIgnore]
    public bool IsEmpty => RequestHeaders is null && ResponseHeaders is null && UrlRewrite is null && Mirrors.IsEmpty;
}

/// <summary>
/// Header edits in the spec's order: set (overwrite), add (append to an existing value with ","), remove.
/// Names compare case-insensitively; the translator keeps only the first of equivalent names.
/// </summary>
public sealed record HeaderModifier(
    EquatableArray<HeaderValue> Set,
    EquatableArray<HeaderValue> Add,
    EquatableArray<string> Remove);

public sealed record HeaderValue(string Name, string Value);

public enum PathModifierType
{
    ReplaceFullPath,

    /// <summary>Replaces the matched PathPrefix (whole segments); valid only on a PathPrefix match.</summary>
    ReplacePrefixMatch,
}

public sealed record PathModifier(PathModifierType Type, string Value);

/// <param name="Hostname">Host header sent to the backend; null keeps the client's.</param>
/// <param name="Path">Path sent to the backend; null keeps the client's.</param>
public sealed record UrlRewrite(string? Hostname, PathModifier? Path);

/// <summary>
/// RequestRedirect: the route answers with a redirect instead of forwarding.
/// Null members keep the request's value; the data plane applies the spec's default-port rules.
/// </summary>
/// <param name="Scheme">"http" or "https".</param>
/// <param name="StatusCode">301, 302, 303, 307 or 308.</param>
public sealed record RequestRedirect(string? Scheme, string? Hostname, int? Port, PathModifier? Path, int StatusCode);

/// <summary>A copy of the request sent to <paramref name="Backend"/> for Numerator/Denominator of requests.</summary>
public sealed record RequestMirror(WeightedBackend Backend, int Numerator, int Denominator);

/// <summary>Rule timeouts; null means none. The translator turns "0s" (disabled) into null.</summary>
/// <param name="Request">Whole request, all backend attempts included: 504 when exceeded.</param>
/// <param name="BackendRequest">One backend attempt: 504 when exceeded.</param>
public sealed record RouteTimeouts(TimeSpan? Request, TimeSpan? BackendRequest);

/// <summary>
/// CORS filter. Origins are "scheme://host[:port]" where the host may start with "*" (any labels to
/// its left), or a single "*" for any origin.
/// </summary>
public sealed record CorsPolicy(
    EquatableArray<string> AllowOrigins,
    EquatableArray<string> AllowMethods,
    EquatableArray<string> AllowHeaders,
    EquatableArray<string> ExposeHeaders,
    bool AllowCredentials,
    int MaxAgeSeconds);
