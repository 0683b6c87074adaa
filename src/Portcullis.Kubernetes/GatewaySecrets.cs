namespace Portcullis.Kubernetes;

using Portcullis.Model;
using Portcullis.Model.GatewayApi;

/// <summary>A Secret by namespace and name.</summary>
public readonly record struct SecretName(string Namespace, string Name);

/// <summary>
/// The Secrets a Gateway's proxies need: its listeners' certificateRefs, its backend client certificate
/// (spec.tls.backend.clientCertificateRef), and the certificateRefs of the ListenerSets whose parentRef names it. The
/// proxy pods of that Gateway read only these (each watched by name), and the controller grants them exactly these
/// through a Role per namespace.
/// </summary>
public static class GatewaySecrets
{
    /// <summary>Every core Secret the Gateway itself references, whether or not a ReferenceGrant allows it.</summary>
    public static IReadOnlySet<SecretName> ReferencedBy(Gateway gateway) =>
        References(gateway, snapshot: null).Select(r => r.Secret).ToHashSet();

    /// <summary>What the proxy of Gateway NAMESPACE/NAME needs from a snapshot: nothing while that Gateway is not in it.</summary>
    public static IReadOnlySet<SecretName> ReferencedBy(ResourceSnapshot snapshot, string gatewayNamespace, string gatewayName)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var gateway = snapshot.Gateways.FirstOrDefault(g => g.Metadata.Namespace == gatewayNamespace && g.Metadata.Name == gatewayName);
        return gateway is null ? new HashSet<SecretName>() : References(gateway, snapshot).Select(r => r.Secret).ToHashSet();
    }

    /// <summary>
    /// The referenced Secrets the Gateway may read: those in the referring object's own namespace (the Gateway's, or a
    /// ListenerSet's), and those in another namespace whose ReferenceGrant lets that kind from that namespace refer to
    /// them. A reference without a grant gets no access (the translator reports it RefNotPermitted), so writing a
    /// Gateway or a ListenerSet never opens another namespace's Secret.
    /// </summary>
    public static IReadOnlySet<SecretName> Permitted(Gateway gateway, ResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(snapshot);
        return References(gateway, snapshot)
            .Where(r => r.Secret.Namespace == r.FromNamespace || Granted(snapshot, r.FromKind, r.FromNamespace, r.Secret))
            .Select(r => r.Secret)
            .ToHashSet();
    }

    /// <summary>Each Secret reference with the kind and namespace of the object that makes it (for ReferenceGrants).</summary>
    private static IEnumerable<(SecretName Secret, string FromKind, string FromNamespace)> References(Gateway gateway, ResourceSnapshot? snapshot)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var ns = gateway.Metadata.Namespace ?? "default";
        foreach (var secret in ListenerSecrets(gateway.Spec.Listeners, ns))
        {
            yield return (secret, "Gateway", ns);
        }

        if (gateway.Spec.Tls?.Backend?.ClientCertificateRef is { } client && IsCoreSecret(client.Group, client.Kind))
        {
            yield return (new SecretName(client.Namespace ?? ns, client.Name), "Gateway", ns);
        }

        foreach (var set in snapshot?.ListenerSets ?? [])
        {
            var setNs = set.Metadata.Namespace ?? "default";
            var parent = set.Spec.ParentRef;
            if (parent.Name == gateway.Metadata.Name && (parent.Namespace ?? setNs) == ns)
            {
                foreach (var secret in ListenerSecrets(set.Spec.Listeners, setNs))
                {
                    yield return (secret, ListenerSet.KindName, setNs);
                }
            }
        }
    }

    private static IEnumerable<SecretName> ListenerSecrets(IEnumerable<Listener> listeners, string ns) =>
        listeners
            .SelectMany(l => l.Tls?.CertificateRefs ?? [])
            .Where(r => IsCoreSecret(r.Group, r.Kind))
            .Select(r => new SecretName(r.Namespace ?? ns, r.Name));

    private static bool IsCoreSecret(string? group, string? kind) => string.IsNullOrEmpty(group) && (kind ?? "Secret") == "Secret";

    private static bool Granted(ResourceSnapshot snapshot, string fromKind, string fromNamespace, SecretName secret) =>
        snapshot.ReferenceGrants.Any(g => g.Metadata.Namespace == secret.Namespace
            && g.Spec.From.Any(f => f.Group == GatewayApiGroup.Name && f.Kind == fromKind && f.Namespace == fromNamespace)
            && g.Spec.To.Any(t => t.Group.Length == 0 && t.Kind == "Secret" && (t.Name is null || t.Name == secret.Name)));
}
