namespace Portcullis.Kubernetes.Provisioning;

using k8s;
using k8s.Models;

/// <summary>
/// Decides whether an existing provisioned object differs from what we want, looking only at the fields
/// we set (the API server defaults the rest), and folds our fields into it for an update. Comparing only
/// our fields is what keeps the provisioner from rewriting objects on every reconcile.
/// </summary>
internal static class ProvisionedDrift
{
    public static bool IsOurs(V1ObjectMeta existing) =>
        existing.Labels?.TryGetValue(ProxyResourceBuilder.ManagedByLabel, out var by) == true && by == ProxyResourceBuilder.ManagedBy;

    public static bool Differs(V1ServiceAccount existing, V1ServiceAccount desired) => MetaDiffers(existing.Metadata, desired.Metadata);

    public static bool Differs(V1Role existing, V1Role desired) =>
        MetaDiffers(existing.Metadata, desired.Metadata) || !SameJson(existing.Rules ?? [], desired.Rules);

    public static bool Differs(V1RoleBinding existing, V1RoleBinding desired) =>
        MetaDiffers(existing.Metadata, desired.Metadata) || !SameJson(existing.Subjects ?? [], desired.Subjects);

    public static bool Differs(V1Service existing, V1Service desired) =>
        MetaDiffers(existing.Metadata, desired.Metadata)
        || (existing.Spec?.Type ?? "ClusterIP") != desired.Spec.Type
        || (existing.Spec?.LoadBalancerClass != desired.Spec.LoadBalancerClass && !LoadBalancerClassFixed(existing, desired))
        || !SameMap(existing.Spec?.Selector, desired.Spec.Selector)
        || !SamePorts(existing.Spec?.Ports, desired.Spec.Ports);

    public static bool Differs(V1Deployment existing, V1Deployment desired)
    {
        if (MetaDiffers(existing.Metadata, desired.Metadata) || existing.Spec?.Replicas != desired.Spec.Replicas)
        {
            return true;
        }

        var have = existing.Spec?.Template;
        var want = desired.Spec.Template;
        if (have?.Spec is null || !Contains(have.Metadata?.Labels, want.Metadata.Labels)
            || !Contains(have.Metadata?.Annotations, want.Metadata.Annotations)
            || have.Spec.ServiceAccountName != want.Spec.ServiceAccountName)
        {
            return true;
        }

        var container = have.Spec.Containers?.FirstOrDefault(c => c.Name == want.Spec.Containers[0].Name);
        var w = want.Spec.Containers[0];
        return container is null
            || container.Image != w.Image
            || !(container.Args ?? []).SequenceEqual(w.Args)
            || !(container.Ports ?? []).Select(PortKey).SequenceEqual(w.Ports.Select(PortKey))
            || !SameJson(container.Resources ?? new V1ResourceRequirements(), w.Resources ?? new V1ResourceRequirements());
    }

    /// <summary>
    /// Our metadata fields onto the existing object: labels and annotations we set before but no longer want
    /// (a key removed from the Gateway's spec.infrastructure) are removed, ours added, everyone else's kept; our
    /// owner set. Which keys were ours is read from the existing object's <see cref="OwnedMetadata"/> annotation.
    /// </summary>
    public static void MergeMeta(V1ObjectMeta existing, V1ObjectMeta desired)
    {
        var before = OwnedMetadata.Read(existing.Annotations);
        var now = OwnedMetadata.Read(desired.Annotations);
        existing.Labels = Union(Without(existing.Labels, before.Labels.Except(now.Labels)), desired.Labels);
        existing.Annotations = Union(Without(existing.Annotations, before.Annotations.Except(now.Annotations)), desired.Annotations);
        existing.OwnerReferences = desired.OwnerReferences;
    }

    public static V1Service Merge(V1Service existing, V1Service desired)
    {
        MergeMeta(existing.Metadata, desired.Metadata);
        var spec = existing.Spec ?? new V1ServiceSpec();
        var exposesNodePorts = desired.Spec.Type is "NodePort" or "LoadBalancer";
        foreach (var port in desired.Spec.Ports)
        {
            // Keep the node port the API server allocated, or every update would move it.
            port.NodePort = exposesNodePorts
                ? spec.Ports?.FirstOrDefault(p => p.Port == port.Port && (p.Protocol ?? "TCP") == port.Protocol)?.NodePort
                : null;
        }

        spec.Type = desired.Spec.Type;
        spec.Selector = desired.Spec.Selector;
        spec.Ports = desired.Spec.Ports;
        if (!LoadBalancerClassFixed(existing, desired))
        {
            spec.LoadBalancerClass = desired.Spec.LoadBalancerClass;
        }
        if (!exposesNodePorts)
        {
            spec.ExternalTrafficPolicy = null;
            spec.HealthCheckNodePort = null;
        }

        existing.Spec = spec;
        return existing;
    }

    public static V1Deployment Merge(V1Deployment existing, V1Deployment desired)
    {
        MergeMeta(existing.Metadata, desired.Metadata);
        var spec = existing.Spec ?? desired.Spec;
        spec.Replicas = desired.Spec.Replicas;
        spec.Template = desired.Spec.Template; // the selector is immutable and never changes for a Gateway
        existing.Spec = spec;
        return existing;
    }

    /// <summary>
    /// spec.loadBalancerClass cannot change while a Service stays of type LoadBalancer (the API server refuses the
    /// update), so a changed class in GatewayParameters applies only to Services created afterwards; rewriting it
    /// would fail every reconcile. Changing the type away from LoadBalancer clears it, which is allowed.
    /// </summary>
    private static bool LoadBalancerClassFixed(V1Service existing, V1Service desired) =>
        existing.Spec?.Type == "LoadBalancer" && desired.Spec.Type == "LoadBalancer";

    private static IDictionary<string, string>? Without(IDictionary<string, string>? map, IEnumerable<string> keys)
    {
        if (map is null)
        {
            return null;
        }

        var copy = new Dictionary<string, string>(map, StringComparer.Ordinal);
        foreach (var key in keys)
        {
            copy.Remove(key);
        }

        return copy;
    }

    private static bool MetaDiffers(V1ObjectMeta existing, V1ObjectMeta desired) =>
        !Contains(existing.Labels, desired.Labels)
        || !Contains(existing.Annotations, desired.Annotations)
        || (existing.OwnerReferences?.Count ?? 0) != (desired.OwnerReferences?.Count ?? 0)
        || !(existing.OwnerReferences ?? []).Zip(desired.OwnerReferences ?? []).All(p => p.First.Uid == p.Second.Uid && p.First.Controller == true);

    private static bool Contains(IDictionary<string, string>? have, IDictionary<string, string>? want) =>
        want is null || want.All(kv => have is not null && have.TryGetValue(kv.Key, out var v) && v == kv.Value);

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && Contains(a, b);

    private static bool SamePorts(IList<V1ServicePort>? have, IList<V1ServicePort> want) =>
        have is not null && have.Count == want.Count
        && have.Zip(want).All(p => p.First.Name == p.Second.Name && p.First.Port == p.Second.Port
            && (p.First.Protocol ?? "TCP") == p.Second.Protocol && p.First.TargetPort?.Value == p.Second.TargetPort?.Value);

    private static string PortKey(V1ContainerPort p) => $"{p.Name}/{p.ContainerPort}/{p.Protocol ?? "TCP"}";

    private static bool SameJson<T>(T a, T b) => KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

    private static Dictionary<string, string>? Union(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        if (a is null && b is null)
        {
            return null;
        }

        var merged = new Dictionary<string, string>(a ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (k, v) in b ?? new Dictionary<string, string>())
        {
            merged[k] = v;
        }

        return merged;
    }
}
