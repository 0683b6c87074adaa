namespace Portcullis.Cli.Status;

using Portcullis.Model.GatewayApi;

/// <summary>A kind the admin endpoint serves, named as the Kubernetes API names it (plural, group, version).</summary>
internal sealed record ResourceType(
    string Plural,
    string Singular,
    string Kind,
    string Group,
    string Version,
    bool Namespaced,
    IReadOnlyList<string> ShortNames)
{
    public static readonly ResourceType GatewayClasses = new("gatewayclasses", "gatewayclass", "GatewayClass", GatewayApiGroup.Name, "v1", false, ["gc"]);
    public static readonly ResourceType Gateways = new("gateways", "gateway", "Gateway", GatewayApiGroup.Name, "v1", true, ["gtw"]);
    public static readonly ResourceType HttpRoutes = new("httproutes", "httproute", "HTTPRoute", GatewayApiGroup.Name, "v1", true, []);
    public static readonly ResourceType GrpcRoutes = new("grpcroutes", "grpcroute", "GRPCRoute", GatewayApiGroup.Name, "v1", true, []);
    public static readonly ResourceType TlsRoutes = new("tlsroutes", "tlsroute", TlsRoute.KindName, GatewayApiGroup.Name, "v1", true, []);
    public static readonly ResourceType TcpRoutes = new("tcproutes", "tcproute", TcpRoute.KindName, GatewayApiGroup.Name, "v1", true, []);
    public static readonly ResourceType UdpRoutes = new("udproutes", "udproute", UdpRoute.KindName, GatewayApiGroup.Name, "v1", true, []);
    public static readonly ResourceType ListenerSets = new("listenersets", "listenerset", ListenerSet.KindName, GatewayApiGroup.Name, "v1", true, ["lset"]);
    public static readonly ResourceType ReferenceGrants = new("referencegrants", "referencegrant", "ReferenceGrant", GatewayApiGroup.Name, "v1", true, ["refgrant"]);
    public static readonly ResourceType BackendTlsPolicies = new("backendtlspolicies", "backendtlspolicy", BackendTlsPolicy.KindName, GatewayApiGroup.Name, "v1", true, ["btlspolicy"]);
    public static readonly ResourceType Secrets = new("secrets", "secret", "Secret", "", "v1", true, []);
    public static readonly ResourceType ConfigMaps = new("configmaps", "configmap", "ConfigMap", "", "v1", true, ["cm"]);
    public static readonly ResourceType Services = new("services", "service", "Service", "", "v1", true, ["svc"]);
    public static readonly ResourceType EndpointSlices = new("endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", "v1", true, []);
    public static readonly ResourceType Namespaces = new("namespaces", "namespace", "Namespace", "", "v1", false, ["ns"]);
    public static readonly ResourceType BackendLbPolicies = new("backendlbpolicies", "backendlbpolicy", BackendLbPolicy.KindName, GatewayApiGroup.Name, "v1alpha2", true, ["blbpolicy"]);
    public static readonly ResourceType XBackendTrafficPolicies = new("xbackendtrafficpolicies", "xbackendtrafficpolicy", XBackendTrafficPolicy.KindName,
        GatewayApiGroup.ExperimentalName, "v1alpha1", true, ["xbtrafficpolicy"]);

    public static IReadOnlyList<ResourceType> All { get; } =
        [GatewayClasses, Gateways, HttpRoutes, GrpcRoutes, TlsRoutes, TcpRoutes, UdpRoutes, ListenerSets, ReferenceGrants, Secrets, Services, EndpointSlices, Namespaces,
            BackendLbPolicies, XBackendTrafficPolicies, ConfigMaps, BackendTlsPolicies];

    /// <summary>"gateway.networking.k8s.io/v1" or "v1" for the core group.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>How kubectl names the resource in messages: "gateways.gateway.networking.k8s.io", or "secrets" in the core group.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>Finds a resource by plural, singular, short name or kind, as kubectl accepts them (case-insensitive).</summary>
    public static ResourceType? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // kubectl also accepts "gateways.gateway.networking.k8s.io" and "gateway.gateway.networking.k8s.io".
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        var group = dot < 0 ? null : name[(dot + 1)..];
        var bare = dot < 0 ? name : name[..dot];
        foreach (var r in All)
        {
            if (group is not null && !group.Equals(r.Group, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (bare.Equals(r.Plural, StringComparison.OrdinalIgnoreCase)
                || bare.Equals(r.Singular, StringComparison.OrdinalIgnoreCase)
                || bare.Equals(r.Kind, StringComparison.OrdinalIgnoreCase)
                || r.ShortNames.Contains(bare, StringComparer.OrdinalIgnoreCase))
            {
                return r;
            }
        }

        return null;
    }

    /// <summary>
    /// The resource served at a REST path's group, version and plural; the Gateway API group answers on v1 and
    /// v1beta1, and on the alpha versions the L4 routes are still written in.
    /// </summary>
    public static ResourceType? FromPath(string group, string version, string plural)
    {
        foreach (var r in All)
        {
            if (r.Plural == plural && r.Group == group
                && (r.Version == version || (group == GatewayApiGroup.Name && version is "v1" or "v1beta1" or "v1alpha2" or "v1alpha3")))
            {
                return r;
            }
        }

        return null;
    }
}
