namespace Portcullis.Model;

using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>
/// Every object of the supported kinds at one moment, immutable and sorted by namespace and name.
/// Both providers produce it; the translator never learns where the objects came from.
/// </summary>
public sealed record ResourceSnapshot
{
    public static ResourceSnapshot Empty { get; } = Create([]);

    public IReadOnlyList<GatewayClass> GatewayClasses { get; init; } = [];

    public IReadOnlyList<Gateway> Gateways { get; init; } = [];

    public IReadOnlyList<ListenerSet> ListenerSets { get; init; } = [];

    public IReadOnlyList<HttpRoute> HttpRoutes { get; init; } = [];

    public IReadOnlyList<GrpcRoute> GrpcRoutes { get; init; } = [];

    public IReadOnlyList<TlsRoute> TlsRoutes { get; init; } = [];

    public IReadOnlyList<TcpRoute> TcpRoutes { get; init; } = [];

    public IReadOnlyList<UdpRoute> UdpRoutes { get; init; } = [];

    public IReadOnlyList<ReferenceGrant> ReferenceGrants { get; init; } = [];

    public IReadOnlyList<Secret> Secrets { get; init; } = [];

    public IReadOnlyList<ConfigMap> ConfigMaps { get; init; } = [];

    public IReadOnlyList<BackendTlsPolicy> BackendTlsPolicies { get; init; } = [];

    public IReadOnlyList<Service> Services { get; init; } = [];

    public IReadOnlyList<EndpointSlice> EndpointSlices { get; init; } = [];

    public IReadOnlyList<Namespace> Namespaces { get; init; } = [];

    public IReadOnlyList<BackendLbPolicy> BackendLbPolicies { get; init; } = [];

    public IReadOnlyList<XBackendTrafficPolicy> XBackendTrafficPolicies { get; init; } = [];

    /// <summary>All objects of the snapshot in a stable order.</summary>
    public IEnumerable<KubernetesObject> All =>
        GatewayClasses.Cast<KubernetesObject>()
            .Concat(Gateways).Concat(HttpRoutes).Concat(TlsRoutes).Concat(TcpRoutes).Concat(UdpRoutes).Concat(ReferenceGrants)
            .Concat(GrpcRoutes).Concat(ListenerSets).Concat(Secrets).Concat(Services).Concat(EndpointSlices).Concat(Namespaces)
            .Concat(BackendLbPolicies).Concat(XBackendTrafficPolicies).Concat(ConfigMaps).Concat(BackendTlsPolicies);

    /// <summary>Builds a snapshot from objects of any supported kind; later duplicates of a key replace earlier ones.</summary>
    public static ResourceSnapshot Create(IEnumerable<KubernetesObject> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var byKey = new Dictionary<ObjectRef, KubernetesObject>();
        foreach (var o in objects)
        {
            byKey[o.Ref] = o;
        }

        var sorted = byKey.Values.OrderBy(o => o.Ref, ObjectRef.Comparer).ToList();
        return new ResourceSnapshot
        {
            GatewayClasses = sorted.OfType<GatewayClass>().ToArray(),
            Gateways = sorted.OfType<Gateway>().ToArray(),
            ListenerSets = sorted.OfType<ListenerSet>().ToArray(),
            HttpRoutes = sorted.OfType<HttpRoute>().ToArray(),
            TlsRoutes = sorted.OfType<TlsRoute>().ToArray(),
            TcpRoutes = sorted.OfType<TcpRoute>().ToArray(),
            UdpRoutes = sorted.OfType<UdpRoute>().ToArray(),
            ReferenceGrants = sorted.OfType<ReferenceGrant>().ToArray(),
            GrpcRoutes = sorted.OfType<GrpcRoute>().ToArray(),
            Secrets = sorted.OfType<Secret>().ToArray(),
            Services = sorted.OfType<Service>().ToArray(),
            EndpointSlices = sorted.OfType<EndpointSlice>().ToArray(),
            Namespaces = sorted.OfType<Namespace>().ToArray(),
            BackendLbPolicies = sorted.OfType<BackendLbPolicy>().ToArray(),
            XBackendTrafficPolicies = sorted.OfType<XBackendTrafficPolicy>().ToArray(),
            ConfigMaps = sorted.OfType<ConfigMap>().ToArray(),
            BackendTlsPolicies = sorted.OfType<BackendTlsPolicy>().ToArray(),
        };
    }
}
