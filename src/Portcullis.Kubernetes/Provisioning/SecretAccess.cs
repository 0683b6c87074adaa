namespace Portcullis.Kubernetes.Provisioning;

using k8s.Models;
using Portcullis.Model;
using Portcullis.Model.GatewayApi;
using Portcullis.Translation.Addressing;

/// <summary>One namespace's Role and RoleBinding letting a Gateway's proxy ServiceAccount read its Secrets there.</summary>
public sealed record SecretGrant(V1Role Role, V1RoleBinding Binding);

/// <summary>
/// Least privilege for proxy pods: instead of reading every Secret in the cluster, a Gateway's ServiceAccount gets,
/// in each namespace holding a Secret its listeners may use (<see cref="GatewaySecrets.Permitted"/>), a Role with
/// get/list/watch on exactly those Secrets by resourceNames, bound to it alone. The proxy watches each by
/// fieldSelector metadata.name, the form resourceNames authorizes. In the Gateway's own namespace the Role is owned
/// by the Gateway (deleted with it); in other namespaces an owner reference cannot point across namespaces, so
/// the provisioner deletes those by their labels.
/// </summary>
public static class SecretAccess
{
    /// <summary>Marks grants (with the gateway-name label) so that those in other namespaces can be found and removed.</summary>
    public const string GatewayNamespaceLabel = "portcullis.dev/gateway-namespace";

    public static IReadOnlyList<SecretGrant> Build(Gateway gateway, ResourceSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var ns = gateway.Metadata.Namespace ?? "default";
        var account = ProvisionedNames.For(gateway.Metadata.Name);
        return GatewaySecrets.Permitted(gateway, snapshot)
            .GroupBy(s => s.Namespace)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Grant(gateway, ns, account, g.Key, [.. g.Select(s => s.Name).Order(StringComparer.Ordinal)]))
            .ToList();
    }

    /// <summary>The Role's name: the proxy's own name at home; elsewhere one that names (and hashes) the Gateway's namespace too.</summary>
    public static string RoleName(string gatewayNamespace, string gatewayName, string secretNamespace) =>
        secretNamespace == gatewayNamespace
            ? ProvisionedNames.For(gatewayName)
            : ProvisionedNames.WithHash($"portcullis-{gatewayNamespace}-{gatewayName.Replace('.', '-')}", $"{gatewayNamespace}/{gatewayName}", 63, '-');

    private static SecretGrant Grant(Gateway gateway, string ns, string account, string secretNamespace, List<string> names)
    {
        var name = RoleName(ns, gateway.Metadata.Name, secretNamespace);
        V1ObjectMeta Meta()
        {
            var labels = ProxyResourceBuilder.SelectorLabels(gateway.Metadata.Name);
            labels[GatewayNamespaceLabel] = ns;
            return new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = secretNamespace,
                Labels = labels,
                OwnerReferences = secretNamespace == ns ? [ProxyResourceBuilder.OwnerOf(gateway)] : null,
            };
        }

        var role = new V1Role
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "Role",
            Metadata = Meta(),
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["secrets"], ResourceNames = names, Verbs = ["get", "list", "watch"] }],
        };
        var binding = new V1RoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "RoleBinding",
            Metadata = Meta(),
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = name },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = account, NamespaceProperty = ns }],
        };
        return new SecretGrant(role, binding);
    }
}
