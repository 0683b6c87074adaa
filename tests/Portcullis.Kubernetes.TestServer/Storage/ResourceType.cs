namespace Portcullis.Kubernetes.TestServer.Storage;

/// <summary>
/// One kind of stored object. All <see cref="Versions"/> share one storage (as CRD versions do without a
/// conversion webhook); an object read through a version just carries that version's apiVersion.
/// </summary>
internal sealed record ResourceType(
    string Group,
    IReadOnlyList<string> Versions,
    string Plural,
    string Singular,
    string Kind,
    bool Namespaced,
    bool HasStatus,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories)
{
    public ResourceKey Key => new(Group, Plural);

    public string ListKind => Kind + "List";

    /// <summary>How error messages name the resource, e.g. <c>gateways.gateway.networking.k8s.io</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    /// <summary>Fields the server lets clients select on besides metadata.name and metadata.namespace.</summary>
    public IReadOnlyList<string> ExtraSelectableFields { get; init; } = [];
}

/// <summary>Storage identity of a resource: versions of one group and plural share it.</summary>
internal readonly record struct ResourceKey(string Group, string Plural);
