using System.Text.Json.Nodes;

namespace Portcullis.Kubernetes.TestServer.Storage;

/// <summary>The resources the server serves: built-in ones plus those that stored CRDs register. Not thread-safe; the store's lock guards it.</summary>
internal sealed class ResourceRegistry
{
    private const string Core = "";

    private readonly Dictionary<ResourceKey, ResourceType> _types = [];

    public ResourceRegistry()
    {
        Add(new(Core, ["v1"], "namespaces", "namespace", "Namespace", Namespaced: false, HasStatus: true, ["ns"], []));
        Add(new(Core, ["v1"], "secrets", "secret", "Secret", Namespaced: true, HasStatus: false, [], [])
        {
            ExtraSelectableFields = ["type"],
        });
        Add(new(Core, ["v1"], "services", "service", "Service", Namespaced: true, HasStatus: true, ["svc"], ["all"]));
        Add(new(Core, ["v1"], "configmaps", "configmap", "ConfigMap", Namespaced: true, HasStatus: false, ["cm"], []));
        Add(new(Core, ["v1"], "serviceaccounts", "serviceaccount", "ServiceAccount", Namespaced: true, HasStatus: false, ["sa"], []));
        Add(new(Core, ["v1"], "events", "event", "Event", Namespaced: true, HasStatus: false, ["ev"], []));
        Add(new(Core, ["v1"], "endpoints", "endpoints", "Endpoints", Namespaced: true, HasStatus: false, ["ep"], []));
        Add(new("apps", ["v1"], "deployments", "deployment", "Deployment", Namespaced: true, HasStatus: true, ["deploy"], ["all"]));
        Add(new("discovery.k8s.io", ["v1"], "endpointslices", "endpointslice", "EndpointSlice", Namespaced: true, HasStatus: false, [], []));
        Add(new("coordination.k8s.io", ["v1"], "leases", "lease", "Lease", Namespaced: true, HasStatus: false, [], []));
        // RBAC objects are stored and served like any other; they are not enforced (see README).
        Add(new("rbac.authorization.k8s.io", ["v1"], "roles", "role", "Role", Namespaced: true, HasStatus: false, [], []));
        Add(new("rbac.authorization.k8s.io", ["v1"], "rolebindings", "rolebinding", "RoleBinding", Namespaced: true, HasStatus: false, [], []));
        Add(new("rbac.authorization.k8s.io", ["v1"], "clusterroles", "clusterrole", "ClusterRole", Namespaced: false, HasStatus: false, [], []));
        Add(new("rbac.authorization.k8s.io", ["v1"], "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", Namespaced: false, HasStatus: false, [], []));
        Add(new("apiextensions.k8s.io", ["v1"], "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition",
            Namespaced: false, HasStatus: true, ["crd", "crds"], ["api-extensions"]));
        // Stored but never enforced: the Gateway API bundle ships one, and `kubectl apply -f` of the bundle must not fail on it.
        Add(new("admissionregistration.k8s.io", ["v1"], "validatingadmissionpolicies", "validatingadmissionpolicy",
            "ValidatingAdmissionPolicy", Namespaced: false, HasStatus: true, [], ["api-extensions"]));
        Add(new("admissionregistration.k8s.io", ["v1"], "validatingadmissionpolicybindings", "validatingadmissionpolicybinding",
            "ValidatingAdmissionPolicyBinding", Namespaced: false, HasStatus: false, [], ["api-extensions"]));
    }

    public static ResourceKey Namespaces { get; } = new(Core, "namespaces");

    public static ResourceKey Crds { get; } = new("apiextensions.k8s.io", "customresourcedefinitions");

    public IEnumerable<ResourceType> All => _types.Values;

    public ResourceType this[ResourceKey key] => _types[key];

    public ResourceType? Find(string group, string version, string plural) =>
        _types.TryGetValue(new(group, plural), out var type) && type.Versions.Contains(version) ? type : null;

    /// <summary>Finds the resource for an object's apiVersion and kind (for the test hooks that take whole objects).</summary>
    public ResourceType? FindByKind(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        return _types.Values.FirstOrDefault(t => t.Group == group && t.Kind == kind && t.Versions.Contains(version));
    }

    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (Core, apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    public void Add(ResourceType type) => _types[type.Key] = type;

    public void Remove(ResourceKey key) => _types.Remove(key);

    /// <summary>Reads the resource a CRD object defines (names, scope, served versions, status subresource).</summary>
    public static ResourceType FromCrd(JsonObject crd)
    {
        var spec = crd["spec"]?.AsObject() ?? throw ApiException.Invalid("spec: Required value");
        var names = spec["names"]?.AsObject() ?? throw ApiException.Invalid("spec.names: Required value");
        var group = (string?)spec["group"] ?? throw ApiException.Invalid("spec.group: Required value");
        var plural = (string?)names["plural"] ?? throw ApiException.Invalid("spec.names.plural: Required value");
        var kind = (string?)names["kind"] ?? throw ApiException.Invalid("spec.names.kind: Required value");
        var versions = spec["versions"]?.AsArray().OfType<JsonObject>().ToList() ?? [];
        var served = versions.Where(v => (bool?)v["served"] ?? true).Select(v => (string)v["name"]!).ToList();
        if (served.Count == 0)
        {
            throw ApiException.Invalid("spec.versions: Invalid value: must have at least one served version");
        }

        return new ResourceType(
            group,
            served,
            plural,
            (string?)names["singular"] ?? kind.ToLowerInvariant(),
            kind,
            Namespaced: (string?)spec["scope"] != "Cluster",
            HasStatus: versions.Any(v => v["subresources"]?["status"] is not null),
            StringsOf(names["shortNames"]),
            StringsOf(names["categories"]));
    }

    private static List<string> StringsOf(JsonNode? node) =>
        node is JsonArray array ? [.. array.Select(n => (string)n!)] : [];
}
