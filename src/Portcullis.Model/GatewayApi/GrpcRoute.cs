namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>gateway.networking.k8s.io GRPCRoute (v1).</summary>
/// <remarks>
/// Filters and backendRefs reuse the HTTPRoute records: GRPCRouteFilter and GRPCBackendRef have the same
/// JSON shape restricted to fewer filter types, and the embedded CRD schema rejects the fields GRPCRoute lacks.
/// </remarks>
public sealed record GrpcRoute : KubernetesObject
{
    public const string KindName = "GRPCRoute";

    public GrpcRouteSpec Spec { get; init; } = new();

    public GrpcRouteStatus? Status { get; init; }
}

public sealed record GrpcRouteSpec
{
    public IReadOnlyList<ParentReference> ParentRefs { get; init; } = [];

    public IReadOnlyList<string> Hostnames { get; init; } = [];

    public IReadOnlyList<GrpcRouteRule> Rules { get; init; } = [];
}

public sealed record GrpcRouteRule
{
    public string? Name { get; init; }

    public IReadOnlyList<GrpcRouteMatch> Matches { get; init; } = [];

    /// <summary>RequestHeaderModifier, ResponseHeaderModifier, RequestMirror or ExtensionRef.</summary>
    public IReadOnlyList<HttpRouteFilter> Filters { get; init; } = [];

    public IReadOnlyList<HttpBackendRef> BackendRefs { get; init; } = [];

    /// <summary>Experimental: keeps a client on one backend endpoint; wins over a BackendLBPolicy on the rule's Services.</summary>
    public SessionPersistence? SessionPersistence { get; init; }
}

public sealed record GrpcRouteMatch
{
    public GrpcMethodMatch? Method { get; init; }

    /// <summary>Same shape as HTTPRoute header matches (Exact or RegularExpression).</summary>
    public IReadOnlyList<HttpHeaderMatch> Headers { get; init; } = [];
}

public sealed record GrpcMethodMatch
{
    /// <summary>Exact (the default) or RegularExpression.</summary>
    public string? Type { get; init; }

    /// <summary>Fully qualified service, e.g. "foo.bar.Baz"; null or empty matches any service.</summary>
    public string? Service { get; init; }

    /// <summary>Method name; null or empty matches any method.</summary>
    public string? Method { get; init; }
}

public sealed record GrpcRouteStatus
{
    public IReadOnlyList<RouteParentStatus> Parents { get; init; } = [];
}
