namespace Portcullis.Kubernetes.Provisioning;

using System.Globalization;
using k8s.Models;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;

/// <summary>The ServiceAccount, Service and Deployment one Gateway's proxy fleet needs.</summary>
/// <param name="SessionKey">
/// The Secret holding the key the proxies MAC session-persistence values with (PORTCULLIS_SESSION_KEY), so a session
/// begun on one replica is honoured by the others. Its data is filled in by the provisioner when it creates it and is
/// never rewritten (rotating it would end every open session).
/// </param>
public sealed record ProxyResources(V1ServiceAccount ServiceAccount, V1Service Service, V1Deployment Deployment, V1Secret SessionKey);

/// <summary>
/// Builds the desired proxy objects of a Gateway from its spec and parameters. Pure, so what gets
/// provisioned can be tested without an API server.
/// </summary>
public static class ProxyResourceBuilder
{
    public const string NameLabel = "app.kubernetes.io/name";
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string GatewayNameLabel = "gateway.networking.k8s.io/gateway-name";
    public const string ProxyName = "portcullis-proxy";
    public const string ManagedBy = "portcullis";

    /// <summary>Where the proxy's health endpoints listen in the pod; high, so a Gateway listener rarely wants it.</summary>
    public const int AdminPort = 19901;

    private const int MaxLabelValue = 63;

    /// <summary>Labels that select a Gateway's proxy pods (and mark every object we provisioned).</summary>
    public static Dictionary<string, string> SelectorLabels(string gatewayName) => new(StringComparer.Ordinal)
    {
        [NameLabel] = ProxyName,
        [ManagedByLabel] = ManagedBy,
        [GatewayNameLabel] = LabelValue(gatewayName),
    };

    /// <summary>A label value is at most 63 characters; a Gateway name may be 253, so long ones are cut and hashed.</summary>
    public static string LabelValue(string gatewayName)
    {
        ArgumentNullException.ThrowIfNull(gatewayName);
        if (gatewayName.Length <= MaxLabelValue)
        {
            return gatewayName;
        }

        return ProvisionedNames.WithHash(gatewayName, gatewayName, MaxLabelValue, '-', '.', '_');
    }

    /// <param name="listenerSetListeners">
    /// Listeners of the ListenerSets attached to the Gateway: their ports are served by the same proxies, so the
    /// Service and the pod expose them too.
    /// </param>
    /// <summary>The variable the data plane reads its session-persistence key from (SessionTokens.KeyVariable).</summary>
    public const string SessionKeyVariable = "PORTCULLIS_SESSION_KEY";

    public const string SessionKeyDataKey = "key";

    public static string SessionKeySecretName(string provisionedName) => provisionedName + "-session";

    public static ProxyResources Build(Gateway gateway, GatewayParametersSpec parameters, string defaultImage,
        IEnumerable<Listener>? listenerSetListeners = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(parameters);
        var ns = gateway.Metadata.Namespace ?? "default";
        var name = ProvisionedNames.For(gateway.Metadata.Name);
        var infrastructure = gateway.Spec.Infrastructure;
        var selector = SelectorLabels(gateway.Metadata.Name);

        // spec.infrastructure labels and annotations go on every object and the pod template; ours win on a clash.
        var labels = new Dictionary<string, string>(infrastructure?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (k, v) in selector)
        {
            labels[k] = v;
        }

        var annotations = infrastructure?.Annotations is { Count: > 0 } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : null;

        V1ObjectMeta Meta() => Owned(new()
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
            Annotations = new Dictionary<string, string>(annotations ?? [], StringComparer.Ordinal),
            OwnerReferences = [OwnerOf(gateway)],
        });

        var ports = ListenerPorts(gateway.Spec.Listeners.Concat(listenerSetListeners ?? []));
        var serviceMeta = Meta();
        if (parameters.Service?.Annotations is { Count: > 0 } serviceAnnotations)
        {
            serviceMeta.Annotations = new Dictionary<string, string>(GatewayParametersSpec.Merge(annotations, serviceAnnotations)!, StringComparer.Ordinal);
            Owned(serviceMeta);
        }

        var type = parameters.Service?.Type ?? "LoadBalancer";
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = serviceMeta,
            Spec = new V1ServiceSpec
            {
                Type = type,
                Selector = new Dictionary<string, string>(selector, StringComparer.Ordinal),
                Ports = ports.Select(p => new V1ServicePort
                {
                    Name = PortName(p.Protocol, p.Port),
                    Protocol = p.Protocol,
                    Port = p.Port,
                    TargetPort = p.Port,
                }).ToList(),
                LoadBalancerClass = type == "LoadBalancer" ? parameters.Service?.LoadBalancerClass : null,
            },
        };

        var serviceAccount = new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Meta() };
        var sessionKeyMeta = Meta();
        sessionKeyMeta.Name = SessionKeySecretName(name);
        var sessionKey = new V1Secret { ApiVersion = "v1", Kind = "Secret", Type = "Opaque", Metadata = sessionKeyMeta };
        var deployment = new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(),
            Spec = new V1DeploymentSpec
            {
                Replicas = parameters.Replicas ?? 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(selector, StringComparer.Ordinal) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta
                    {
                        Labels = new Dictionary<string, string>(labels, StringComparer.Ordinal),
                        Annotations = annotations is null ? null : new Dictionary<string, string>(annotations, StringComparer.Ordinal),
                    },
                    Spec = PodSpec(gateway, ns, name, ports, parameters, defaultImage),
                },
            },
        };

        return new ProxyResources(serviceAccount, service, deployment, sessionKey);
    }

    /// <summary>Records which labels and annotations are ours (<see cref="OwnedMetadata"/>), so removed ones can be taken off later.</summary>
    private static V1ObjectMeta Owned(V1ObjectMeta meta)
    {
        meta.Annotations[OwnedMetadata.Annotation] = OwnedMetadata.Format(meta.Labels.Keys, meta.Annotations.Keys);
        return meta;
    }

    private static V1PodSpec PodSpec(Gateway gateway, string ns, string name, List<(string Protocol, int Port)> ports, GatewayParametersSpec parameters, string defaultImage) => new()
    {
        ServiceAccountName = name,
        SecurityContext = new V1PodSecurityContext
        {
            RunAsNonRoot = true,
            SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            // Listeners on 80 and 443 without NET_BIND_SERVICE: a namespaced sysctl the kubelet allows by default.
            Sysctls = [new V1Sysctl { Name = "net.ipv4.ip_unprivileged_port_start", Value = "0" }],
        },
        Containers =
        [
            new V1Container
            {
                Name = "proxy",
                Image = parameters.Image ?? defaultImage,
                Args = ["proxy", "--gateway", $"{ns}/{gateway.Metadata.Name}", "--admin", $"0.0.0.0:{AdminPort.ToString(CultureInfo.InvariantCulture)}"],
                Ports = [
                    .. ports.Select(p => new V1ContainerPort { Name = PortName(p.Protocol, p.Port), ContainerPort = p.Port, Protocol = p.Protocol }),
                    new V1ContainerPort { Name = "admin", ContainerPort = AdminPort, Protocol = "TCP" },
                ],
                Resources = parameters.Deployment?.Resources,
                Env =
                [
                    new V1EnvVar
                    {
                        Name = SessionKeyVariable,
                        ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = SessionKeySecretName(name), Key = SessionKeyDataKey } },
                    },
                ],
                ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = "admin" } },
                LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = "admin" } },
                SecurityContext = new V1SecurityContext
                {
                    AllowPrivilegeEscalation = false,
                    ReadOnlyRootFilesystem = true,
                    Capabilities = new V1Capabilities { Drop = ["ALL"] },
                },
            },
        ],
    };

    /// <summary>One port per distinct listener port and transport: UDP for UDP listeners, TCP for the rest.</summary>
    private static List<(string Protocol, int Port)> ListenerPorts(IEnumerable<Listener> listeners) =>
        listeners
            .Select(l => (Protocol: l.Protocol == ListenerProtocols.Udp ? "UDP" : "TCP", l.Port))
            .Distinct()
            .OrderBy(p => p.Port).ThenBy(p => p.Protocol, StringComparer.Ordinal)
            .ToList();

    private static string PortName(string protocol, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"{protocol.ToLowerInvariant()}-{port}");

    internal static V1OwnerReference OwnerOf(Gateway gateway) => new()
    {
        ApiVersion = "gateway.networking.k8s.io/v1",
        Kind = "Gateway",
        Name = gateway.Metadata.Name,
        Uid = gateway.Metadata.Uid ?? "",
        Controller = true,
        BlockOwnerDeletion = true,
    };
}
