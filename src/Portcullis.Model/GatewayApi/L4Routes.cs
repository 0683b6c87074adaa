namespace Portcullis.Model.GatewayApi;

using Portcullis.Model.Core;

/// <summary>
/// gateway.networking.k8s.io TLSRoute (v1, v1alpha3 and the workshop's v1alpha2): routes a TLS stream
/// by the ClientHello's SNI to Services, without looking inside it.
/// </summary>
public sealed record TlsRoute : KubernetesObject
{
    public const string KindName = "TLSRoute";

    public TlsRouteSpec Spec { get; init; } = new();

    public L4RouteStatus? Status { get; init; }
}

public sealed record TlsRouteSpec
{
    public IReadOnlyList<ParentReference> ParentRefs { get; init; } = [];

    public IReadOnlyList<string> Hostnames { get; init; } = [];

    public IReadOnlyList<L4RouteRule> Rules { get; init; } = [];
}

/// <summary>gateway.networking.k8s.io TCPRoute (v1 and v1alpha2): a TCP stream to Services.</summary>
public sealed record TcpRoute : KubernetesObject
{
    public const string KindName = "TCPRoute";

    public L4RouteSpec Spec { get; init; } = new();

    public L4RouteStatus? Status { get; init; }
}

/// <summary>gateway.networking.k8s.io UDPRoute (v1 and v1alpha2): UDP datagrams to Services.</summary>
public sealed record UdpRoute : KubernetesObject
{
    public const string KindName = "UDPRoute";

    public L4RouteSpec Spec { get; init; } = new();

    public L4RouteStatus? Status { get; init; }
}

/// <summary>The spec TCPRoute and UDPRoute share: no hostnames, no matches.</summary>
public sealed record L4RouteSpec
{
    public IReadOnlyList<ParentReference> ParentRefs { get; init; } = [];

    public IReadOnlyList<L4RouteRule> Rules { get; init; } = [];
}

/// <summary>A TLSRoute, TCPRoute or UDPRoute rule: only backends to share the traffic between.</summary>
public sealed record L4RouteRule
{
    public string? Name { get; init; }

    public IReadOnlyList<BackendRef> BackendRefs { get; init; } = [];
}

/// <summary>A backendRef without filters (the L4 routes have none).</summary>
public sealed record BackendRef
{
    public string? Group { get; init; }

    public string? Kind { get; init; }

    public string Name { get; init; } = "";

    public string? Namespace { get; init; }

    public int? Port { get; init; }

    /// <summary>Defaults to 1; 0 means no traffic.</summary>
    public int? Weight { get; init; }
}

public sealed record L4RouteStatus
{
    public IReadOnlyList<RouteParentStatus> Parents { get; init; } = [];
}
