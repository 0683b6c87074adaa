namespace Portcullis.Kubernetes.Provisioning;

using System.Text.Json;
using k8s.Models;

/// <summary>
/// portcullis.dev/v1alpha1 GatewayParameters spec (deploy/crds/portcullis.dev_gatewayparameters.yaml):
/// how the proxy fleet of a Gateway is provisioned. Every field is optional so that a Gateway's
/// parameters can override its class's field by field.
/// </summary>
public sealed record GatewayParametersSpec
{
    public const string Group = "portcullis.dev";
    public const string Version = "v1alpha1";
    public const string Kind = "GatewayParameters";
    public const string Plural = "gatewayparameters";

    public int? Replicas { get; init; }

    public string? Image { get; init; }

    public ServiceParameters? Service { get; init; }

    public DeploymentParameters? Deployment { get; init; }

    /// <summary>Field by field: what <paramref name="over"/> sets wins; maps are merged, its keys winning.</summary>
    public GatewayParametersSpec Overlay(GatewayParametersSpec? over) => over is null ? this : new()
    {
        Replicas = over.Replicas ?? Replicas,
        Image = over.Image ?? Image,
        Service = new ServiceParameters
        {
            Type = over.Service?.Type ?? Service?.Type,
            LoadBalancerClass = over.Service?.LoadBalancerClass ?? Service?.LoadBalancerClass,
            Annotations = Merge(Service?.Annotations, over.Service?.Annotations),
        },
        Deployment = new DeploymentParameters { Resources = over.Deployment?.Resources ?? Deployment?.Resources },
    };

    /// <summary>Reads the spec of a GatewayParameters object as the API server returns it (JSON).</summary>
    public static GatewayParametersSpec FromObject(JsonElement obj) =>
        obj.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object
            ? k8s.KubernetesJson.Deserialize<GatewayParametersSpec>(spec.GetRawText()) ?? new()
            : new();

    internal static IReadOnlyDictionary<string, string>? Merge(IReadOnlyDictionary<string, string>? under, IReadOnlyDictionary<string, string>? over)
    {
        if (under is null || over is null)
        {
            return over ?? under;
        }

        var merged = new Dictionary<string, string>(under, StringComparer.Ordinal);
        foreach (var (k, v) in over)
        {
            merged[k] = v;
        }

        return merged;
    }
}

public sealed record ServiceParameters
{
    /// <summary>LoadBalancer (the default), NodePort or ClusterIP.</summary>
    public string? Type { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public string? LoadBalancerClass { get; init; }
}

public sealed record DeploymentParameters
{
    public V1ResourceRequirements? Resources { get; init; }
}
