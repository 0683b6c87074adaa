namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>gateway.networking.k8s.io HTTPRoute.</summary>
public sealed record HttpRoute : KubernetesObject
{
    public const string KindName = "HTTPRoute";

    public HttpRouteSpec Spec { get; init; } = new();

    public HttpRouteStatus? Status { get; init; }
}

public sealed record HttpRouteSpec
{
    public IReadOnlyList<ParentReference> ParentRefs { get; init; } = [];

    public IReadOnlyList<string> Hostnames { get; init; } = [];

    public IReadOnlyList<HttpRouteRule> Rules { get; init; } = [];
}

public sealed record HttpRouteRule
{
    public string? Name { get; init; }

    public IReadOnlyList<HttpRouteMatch> Matches { get; init; } = [];

    public IReadOnlyList<HttpRouteFilter> Filters { get; init; } = [];

    public IReadOnlyList<HttpBackendRef> BackendRefs { get; init; } = [];

    /// <summary>Experimental: keeps a client on one backend endpoint; wins over a BackendLBPolicy on the rule's Services.</summary>
    public SessionPersistence? SessionPersistence { get; init; }

    public HttpRouteTimeouts? Timeouts { get; init; }
}

public sealed record HttpRouteMatch
{
    public HttpPathMatch? Path { get; init; }

    public IReadOnlyList<HttpHeaderMatch> Headers { get; init; } = [];

    public IReadOnlyList<HttpQueryParamMatch> QueryParams { get; init; } = [];

    public string? Method { get; init; }
}

public static class PathMatchTypes
{
    public const string Exact = "Exact";
    public const string PathPrefix = "PathPrefix";
    public const string RegularExpression = "RegularExpression";
}

public sealed record HttpPathMatch
{
    /// <summary>Exact, PathPrefix (the default) or RegularExpression.</summary>
    public string? Type { get; init; }

    /// <summary>Defaults to "/".</summary>
    public string? Value { get; init; }
}

public sealed record HttpHeaderMatch
{
    public string? Type { get; init; }

    public string Name { get; init; } = "";

    public string Value { get; init; } = "";
}

public sealed record HttpQueryParamMatch
{
    public string? Type { get; init; }

    public string Name { get; init; } = "";

    public string Value { get; init; } = "";
}

public sealed record HttpBackendRef
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string Name { get; init; } = "";

    public string? Namespace { get; init; }

    public int? Port { get; init; }

    /// <summary>Defaults to 1; 0 means no traffic.</summary>
    public int? Weight { get; init; }

    public IReadOnlyList<HttpRouteFilter> Filters { get; init; } = [];
}

public sealed record HttpRouteTimeouts
{
    public string? Request { get; init; }

    public string? BackendRequest { get; init; }
}

public sealed record HttpRouteFilter
{
    public string Type { get; init; } = "";

    public HttpHeaderFilter? RequestHeaderModifier { get; init; }

    public HttpHeaderFilter? ResponseHeaderModifier { get; init; }

    public HttpRequestRedirectFilter? RequestRedirect { get; init; }

    public HttpUrlRewriteFilter? UrlRewrite { get; init; }

    public HttpRequestMirrorFilter? RequestMirror { get; init; }

    public LocalObjectReference? ExtensionRef { get; init; }

    public HttpCorsFilter? Cors { get; init; }
}

/// <summary>CORS filter (Extended).</summary>
public sealed record HttpCorsFilter
{
    public IReadOnlyList<string> AllowOrigins { get; init; } = [];

    public bool? AllowCredentials { get; init; }

    public IReadOnlyList<string> AllowMethods { get; init; } = [];

    public IReadOnlyList<string> AllowHeaders { get; init; } = [];

    public IReadOnlyList<string> ExposeHeaders { get; init; } = [];

    /// <summary>Seconds; defaults to 5.</summary>
    public int? MaxAge { get; init; }
}

public sealed record HttpHeader
{
    public string Name { get; init; } = "";

    public string Value { get; init; } = "";
}

public sealed record HttpHeaderFilter
{
    public IReadOnlyList<HttpHeader> Set { get; init; } = [];

    public IReadOnlyList<HttpHeader> Add { get; init; } = [];

    public IReadOnlyList<string> Remove { get; init; } = [];
}

public sealed record HttpPathModifier
{
    public string Type { get; init; } = "";

    public string? ReplaceFullPath { get; init; }

    public string? ReplacePrefixMatch { get; init; }
}

public sealed record HttpRequestRedirectFilter
{
    public string? Scheme { get; init; }

    public string? Hostname { get; init; }

    public HttpPathModifier? Path { get; init; }

    public int? Port { get; init; }

    public int? StatusCode { get; init; }
}

public sealed record HttpUrlRewriteFilter
{
    public string? Hostname { get; init; }

    public HttpPathModifier? Path { get; init; }
}

public sealed record HttpRequestMirrorFilter
{
    public HttpBackendRef BackendRef { get; init; } = new();

    public int? Percent { get; init; }

    public HttpFraction? Fraction { get; init; }
}

public sealed record HttpFraction
{
    public int Numerator { get; init; }

    /// <summary>Defaults to 100.</summary>
    public int? Denominator { get; init; }
}

public sealed record HttpRouteStatus
{
    public IReadOnlyList<RouteParentStatus> Parents { get; init; } = [];
}
