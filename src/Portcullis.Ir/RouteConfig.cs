namespace Portcullis.Ir;

/// <summary>
/// One match of one rule of one HTTPRoute, expanded for one hostname. All conditions must hold.
/// </summary>
/// <param name="Name">"namespace/route/rule/N/match/M" (N is the rule's name when it has one), for logs and metrics.</param>
/// <param name="Hostname">Exact host, "*.suffix" wildcard (one or more labels), or "*" for any host.</param>
/// <param name="Method">HTTP method to match, or null for any.</param>
public sealed record RouteConfig(
    string Name,
    string Hostname,
    PathMatch Path,
    EquatableArray<HeaderMatch> Headers,
    EquatableArray<QueryParamMatch> QueryParams,
    string? Method,
    RouteAction Action);

public enum PathMatchType
{
    Exact,
    PathPrefix,
    RegularExpression,
}

public enum StringMatchType
{
    Exact,
    RegularExpression,
}

public sealed record PathMatch(PathMatchType Type, string Value);

/// <summary>Header names compare case-insensitively.</summary>
public sealed record HeaderMatch(string Name, StringMatchType Type, string Value);

public sealed record QueryParamMatch(string Name, StringMatchType Type, string Value);

/// <summary>
/// What to do with a matched request: answer directly, redirect, or forward to one backend picked by
/// weight. A backend marked Invalid answers 500 for its share of the traffic.
/// </summary>
/// <remarks>Order on the data plane: DirectResponse, then CORS preflight, Redirect, forward with Filters.</remarks>
public sealed record RouteAction(EquatableArray<WeightedBackend> Backends, DirectResponse? DirectResponse = null)
{
    /// <summary>Rule-level filters applied to every forwarded request of this rule.</summary>
    public HttpFilters? Filters { get; init; }

    /// <summary>When set, the rule answers with this redirect and forwards nothing.</summary>
    public RequestRedirect? Redirect { get; init; }

    public CorsPolicy? Cors { get; init; }

    public RouteTimeouts? Timeouts { get; init; }

    /// <summary>Session persistence; null for none (every request picks a backend by weight).</summary>
    public SessionConfig? Session { get; init; }
}

public sealed record DirectResponse(int StatusCode, string? Body = null);

public enum BackendProtocol
{
    Http1,
    H2c,
}

/// <param name="Name">"namespace/service:port".</param>
/// <param name="Weight">Relative share; 0 gets no traffic.</param>
/// <param name="Endpoints">Ready endpoints; empty means 503.</param>
/// <param name="Invalid">The reference could not be resolved; its share is answered 500.</param>
public sealed record WeightedBackend(
    string Name,
    int Weight,
    BackendProtocol Protocol,
    EquatableArray<Endpoint> Endpoints,
    bool Invalid = false)
{
    /// <summary>backendRef-level filters: applied after the rule's, only when this backend is picked.</summary>
    public HttpFilters? Filters { get; init; }

    /// <summary>Set when a BackendTLSPolicy targets this Service port: the gateway re-encrypts to it.</summary>
    public BackendTls? Tls { get; init; }
}

public sealed record Endpoint(string Address, int Port);
