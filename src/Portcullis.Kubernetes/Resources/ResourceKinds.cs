namespace Portcullis.Kubernetes.Resources;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>Every kind the translator reads: one line each. The provider runs one informer per entry of <see cref="All"/>.</summary>
public static class ResourceKinds
{
    private const string Gw = GatewayApiGroup.Name;

    public static ResourceKind GatewayClass { get; } = new("GatewayClass", Gw, ["v1"], "gatewayclasses", false, typeof(GatewayClass));

    public static ResourceKind Gateway { get; } = new("Gateway", Gw, ["v1"], "gateways", true, typeof(Gateway));

    public static ResourceKind HttpRoute { get; } = new("HTTPRoute", Gw, ["v1"], "httproutes", true, typeof(HttpRoute));

    public static ResourceKind GrpcRoute { get; } = new("GRPCRoute", Gw, ["v1"], "grpcroutes", true, typeof(GrpcRoute));

    // The L4 routes: v1 in current Gateway API, the alpha versions on clusters with older (experimental) CRDs.
    public static ResourceKind TlsRoute { get; } = new("TLSRoute", Gw, ["v1", "v1alpha3", "v1alpha2"], "tlsroutes", true, typeof(TlsRoute));

    public static ResourceKind TcpRoute { get; } = new("TCPRoute", Gw, ["v1", "v1alpha2"], "tcproutes", true, typeof(TcpRoute));

    public static ResourceKind UdpRoute { get; } = new("UDPRoute", Gw, ["v1", "v1alpha2"], "udproutes", true, typeof(UdpRoute));

    // v1 in Gateway API v1.6 (standard channel); the experimental x-k8s.io XListenerSet is not read.
    public static ResourceKind ListenerSet { get; } = new("ListenerSet", Gw, ["v1"], "listenersets", true, typeof(ListenerSet));

    // v1 since Gateway API v1.5; clusters with older CRDs serve only v1beta1.
    public static ResourceKind ReferenceGrant { get; } = new("ReferenceGrant", Gw, ["v1", "v1beta1"], "referencegrants", true, typeof(ReferenceGrant));

    // Only TLS Secrets: Opaque ones (passwords, tokens) are never read, and there are many of them.
    public static ResourceKind Secret { get; } = new("Secret", "", ["v1"], "secrets", true, typeof(Secret))
    {
        FieldSelector = "type=" + Model.Core.Secret.TlsType,
    };

    // Every ConfigMap in the watched namespaces, as Envoy Gateway does: the ones that matter are those a Gateway
    // (spec.tls.frontend) or BackendTLSPolicy names, and no label or field selector can express "referenced".
    // Fetching referenced ones by name would need a second, reference-driven watch loop; ConfigMaps hold no
    // secrets, so reading all of them costs only memory.
    public static ResourceKind ConfigMap { get; } = new("ConfigMap", "", ["v1"], "configmaps", true, typeof(ConfigMap));

    // v1 since Gateway API v1.4; v1alpha3 on clusters with the experimental CRDs of the workshop's era.
    public static ResourceKind BackendTlsPolicy { get; } = new("BackendTLSPolicy", Gw, ["v1", "v1alpha3"], "backendtlspolicies", true, typeof(BackendTlsPolicy));

    public static ResourceKind Service { get; } = new("Service", "", ["v1"], "services", true, typeof(Service));

    public static ResourceKind EndpointSlice { get; } = new("EndpointSlice", "discovery.k8s.io", ["v1"], "endpointslices", true, typeof(EndpointSlice));

    public static ResourceKind Namespace { get; } = new("Namespace", "", ["v1"], "namespaces", false, typeof(Namespace));

    // Session persistence: BackendLBPolicy exists only in the v1.2 experimental CRDs; XBackendTrafficPolicy is its successor.
    public static ResourceKind BackendLbPolicy { get; } = new(Model.GatewayApi.BackendLbPolicy.KindName, Gw, ["v1alpha2"], "backendlbpolicies", true, typeof(BackendLbPolicy));

    public static ResourceKind XBackendTrafficPolicy { get; } = new(Model.GatewayApi.XBackendTrafficPolicy.KindName, GatewayApiGroup.ExperimentalName, ["v1alpha1"],
        "xbackendtrafficpolicies", true, typeof(XBackendTrafficPolicy));

    public static IReadOnlyList<ResourceKind> All { get; } =
    [
        GatewayClass, Gateway, HttpRoute, GrpcRoute, TlsRoute, TcpRoute, UdpRoute, ListenerSet, ReferenceGrant, Secret, Service, EndpointSlice, Namespace,
        BackendLbPolicy, XBackendTrafficPolicy, ConfigMap, BackendTlsPolicy,
    ];
}
