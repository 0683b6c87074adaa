namespace Portcullis.Model.Manifests;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>The kinds Portcullis reads, by apiVersion and kind.</summary>
internal static class KindRegistry
{
    internal sealed record KindInfo(Type Type, bool Namespaced);

    private static readonly Dictionary<(string ApiVersion, string Kind), KindInfo> Kinds = new()
    {
        [(GatewayApiGroup.V1, "GatewayClass")] = new(typeof(GatewayClass), false),
        [(GatewayApiGroup.V1Beta1, "GatewayClass")] = new(typeof(GatewayClass), false),
        [(GatewayApiGroup.V1, "Gateway")] = new(typeof(Gateway), true),
        [(GatewayApiGroup.V1Beta1, "Gateway")] = new(typeof(Gateway), true),
        [(GatewayApiGroup.V1, "HTTPRoute")] = new(typeof(HttpRoute), true),
        [(GatewayApiGroup.V1Beta1, "HTTPRoute")] = new(typeof(HttpRoute), true),
        [(GatewayApiGroup.V1, "GRPCRoute")] = new(typeof(GrpcRoute), true),
        [(GatewayApiGroup.V1, TlsRoute.KindName)] = new(typeof(TlsRoute), true),
        [(GatewayApiGroup.V1Alpha3, TlsRoute.KindName)] = new(typeof(TlsRoute), true),
        [(GatewayApiGroup.V1Alpha2, TlsRoute.KindName)] = new(typeof(TlsRoute), true),
        [(GatewayApiGroup.V1, TcpRoute.KindName)] = new(typeof(TcpRoute), true),
        [(GatewayApiGroup.V1Alpha2, TcpRoute.KindName)] = new(typeof(TcpRoute), true),
        [(GatewayApiGroup.V1, UdpRoute.KindName)] = new(typeof(UdpRoute), true),
        [(GatewayApiGroup.V1Alpha2, UdpRoute.KindName)] = new(typeof(UdpRoute), true),
        [(GatewayApiGroup.V1, ListenerSet.KindName)] = new(typeof(ListenerSet), true),
        [(GatewayApiGroup.V1, "ReferenceGrant")] = new(typeof(ReferenceGrant), true),
        [(GatewayApiGroup.V1Beta1, "ReferenceGrant")] = new(typeof(ReferenceGrant), true),
        [(GatewayApiGroup.V1Alpha2, BackendLbPolicy.KindName)] = new(typeof(BackendLbPolicy), true),
        [(GatewayApiGroup.ExperimentalV1Alpha1, XBackendTrafficPolicy.KindName)] = new(typeof(XBackendTrafficPolicy), true),
        [(GatewayApiGroup.V1, BackendTlsPolicy.KindName)] = new(typeof(BackendTlsPolicy), true),
        [(GatewayApiGroup.V1Alpha3, BackendTlsPolicy.KindName)] = new(typeof(BackendTlsPolicy), true),
        [("v1", "Secret")] = new(typeof(Secret), true),
        [("v1", "ConfigMap")] = new(typeof(ConfigMap), true),
        [("v1", "Service")] = new(typeof(Service), true),
        [("v1", "Namespace")] = new(typeof(Namespace), false),
        [("discovery.k8s.io/v1", "EndpointSlice")] = new(typeof(EndpointSlice), true),
    };

    public static KindInfo? Find(string apiVersion, string kind) =>
        Kinds.TryGetValue((apiVersion, kind), out var info) ? info : null;

    /// <summary>True when the kind is served under some other apiVersion (so the version is the problem).</summary>
    public static bool IsKnownKind(string kind) => Kinds.Keys.Any(k => k.Kind == kind);
}
