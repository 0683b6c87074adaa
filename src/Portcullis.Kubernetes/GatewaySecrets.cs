namespace Portcullis.Kubernetes;

using Portcullis.Model;
using Portcullis.Model.GatewayApi;

/// <summary>A Secret by namespace and name.</summary>
public readonly record struct SecretName(string Namespace, string Name);

/// <summary>
/// The Secrets a Gateway's listeners name in certificateRefs. The proxy pods of that Gateway read only these (each
/// watched by name), and the controller grants them exactly these through a Role per namespace.
/// </summary>
public static class GatewaySecrets
{
    /// <summary>Every core Secret the Gateway's listeners reference, whether or not a ReferenceGrant allows it.</summary>
    public static IReadOnlySet<SecretName> ReferencedBy(Gateway gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var ns = gateway.Metadata.Namespace ?? "default";
        return gateway.Spec.Listeners
            .SelectMany(l => l.Tls?.CertificateRefs ?? [])
            .Where(r => string.IsNullOrEmpty(r.Group) && (r.Kind ?? "Secret") == "Secret")
            .Select(r => new SecretName(r.Namespace ?? ns, r.Name))
            .ToHashSet();
    }

    /// <summary>What the proxy of Gateway NAMESPACE/NAME needs from a snapshot: nothing while that Gateway is not in it.</summary>
    public static IReadOnlySet<SecretName> ReferencedBy(ResourceSnapshot snapshot, string gatewayNamespace, string gatewayName)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var gateway = snapshot.Gateways.FirstOrDefault(g => g.Metadata.Namespace == gatewayNamespace && g.Metadata.Name == gatewayName);
        return gateway is null ? new HashSet<SecretName>() : ReferencedBy(gateway);
    }

    /// <summary>
    /// The referenced Secrets the Gateway may read: those in its own namespace, and those in another namespace whose
    /// ReferenceGrant lets Gateways of the Gateway's namespace refer to them. A reference without a grant gets no
    /// access (the translator reports it RefNotPermitted), so writing a Gateway never opens another namespace's Secret.
    /// </summary>
    public static IReadOnlySet<SecretName> Permitted(Gateway gateway, ResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(snapshot);
        var ns = gateway.Metadata.Namespace ?? "default";
        return ReferencedBy(gateway).Where(s => s.Namespace == ns || Granted(snapshot, ns, s)).ToHashSet();
    }

    private static bool Granted(ResourceSnapshot snapshot, string fromNamespace, SecretName secret) =>
        snapshot.ReferenceGrants.Any(g => g.Metadata.Namespace == secret.Namespace
            && g.Spec.From.Any(f => f.Group == GatewayApiGroup.Name && f.Kind == "Gateway" && f.Namespace == fromNamespace)
            && g.Spec.To.Any(t => t.Group.Length == 0 && t.Kind == "Secret" && (t.Name is null || t.Name == secret.Name)));
}
