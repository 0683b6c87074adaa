namespace Portcullis.Translation;

using System.Net;
using Portcullis.Ir;
using Portcullis.Model.Core;
using Portcullis.Model.GatewayApi;

/// <summary>Inputs to translation that do not come from manifests.</summary>
public sealed record TranslatorOptions
{
    public const string DefaultControllerName = "portcullis.dev/gateway-controller";

    /// <summary>GatewayClasses with this controllerName are ours.</summary>
    public string ControllerName { get; init; } = DefaultControllerName;

    /// <summary>Where Gateways without spec.addresses get their address from (stable per Gateway).</summary>
    public IPNetwork? AddressPool { get; init; }

    /// <summary>Bind address of Gateways with neither spec.addresses nor a pool.</summary>
    public IPAddress DefaultBindAddress { get; init; } = IPAddress.Any;

    /// <summary>Where Gateway addresses come from: this process (standalone) or each Gateway's provisioned Service (Kubernetes).</summary>
    public AddressSource AddressSource { get; init; } = AddressSource.Standalone;
}

/// <summary>Who assigns a Gateway its address.</summary>
public enum AddressSource
{
    /// <summary>spec.addresses, the address pool or the default bind address; listeners bind it.</summary>
    Standalone,

    /// <summary>
    /// Kubernetes mode: each Gateway has its own proxy pods behind the Service `portcullis-NAME`, so listeners
    /// bind 0.0.0.0 and status.addresses is the Service's load-balancer ingress (or cluster IP). GatewayClass and
    /// Gateway parametersRefs to portcullis.dev GatewayParameters are accepted (the provisioner reads them).
    /// </summary>
    ProvisionedService,
}

/// <summary>The status the translator computed for each object it owns. LastTransitionTime is never set here.</summary>
public sealed record StatusReport
{
    public static StatusReport Empty { get; } = new();

    public IReadOnlyDictionary<ObjectRef, GatewayClassStatus> GatewayClasses { get; init; } = new Dictionary<ObjectRef, GatewayClassStatus>();

    public IReadOnlyDictionary<ObjectRef, GatewayStatus> Gateways { get; init; } = new Dictionary<ObjectRef, GatewayStatus>();

    public IReadOnlyDictionary<ObjectRef, HttpRouteStatus> HttpRoutes { get; init; } = new Dictionary<ObjectRef, HttpRouteStatus>();

    public IReadOnlyDictionary<ObjectRef, GrpcRouteStatus> GrpcRoutes { get; init; } = new Dictionary<ObjectRef, GrpcRouteStatus>();

    public IReadOnlyDictionary<ObjectRef, L4RouteStatus> TlsRoutes { get; init; } = new Dictionary<ObjectRef, L4RouteStatus>();

    public IReadOnlyDictionary<ObjectRef, L4RouteStatus> TcpRoutes { get; init; } = new Dictionary<ObjectRef, L4RouteStatus>();

    public IReadOnlyDictionary<ObjectRef, L4RouteStatus> UdpRoutes { get; init; } = new Dictionary<ObjectRef, L4RouteStatus>();

    public IReadOnlyDictionary<ObjectRef, PolicyStatus> BackendLbPolicies { get; init; } = new Dictionary<ObjectRef, PolicyStatus>();

    public IReadOnlyDictionary<ObjectRef, PolicyStatus> XBackendTrafficPolicies { get; init; } = new Dictionary<ObjectRef, PolicyStatus>();
    public IReadOnlyDictionary<ObjectRef, ListenerSetStatus> ListenerSets { get; init; } = new Dictionary<ObjectRef, ListenerSetStatus>();
    /// <summary>Only policies some Gateway of ours uses; their ancestors are those Gateways.</summary>
    public IReadOnlyDictionary<ObjectRef, PolicyStatus> BackendTlsPolicies { get; init; } = new Dictionary<ObjectRef, PolicyStatus>();
}

/// <summary>What one translation produced: the data plane's config and everyone's status.</summary>
public sealed record TranslationResult(GatewayConfig Config, StatusReport Status);
