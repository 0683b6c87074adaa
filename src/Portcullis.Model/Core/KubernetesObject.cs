namespace Portcullis.Model.Core;

/// <summary>Fields every Kubernetes object has: type information and metadata.</summary>
public abstract record KubernetesObject
{
    public string ApiVersion { get; init; } = "";

    public string Kind { get; init; } = "";

    public ObjectMeta Metadata { get; init; } = new();

    /// <summary>Identity of this object for maps, status and messages.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public ObjectRef Ref => new(Kind, Metadata.Namespace, Metadata.Name);
}

/// <summary>Standard object metadata; standalone mode synthesises what the API server would add.</summary>
public sealed record ObjectMeta
{
    public string Name { get; init; } = "";

    public string? Namespace { get; init; }

    public string? Uid { get; init; }

    public long Generation { get; init; }

    public string? ResourceVersion { get; init; }

    public DateTimeOffset? CreationTimestamp { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    // Set by an API server; accepted so that `kubectl get -o yaml` output can be dropped in unchanged.
    public string? GenerateName { get; init; }

    public IReadOnlyList<string>? Finalizers { get; init; }

    public DateTimeOffset? DeletionTimestamp { get; init; }

    public IReadOnlyList<System.Text.Json.JsonElement>? OwnerReferences { get; init; }

    public IReadOnlyList<System.Text.Json.JsonElement>? ManagedFields { get; init; }
}

/// <summary>Kind, namespace and name: how objects are keyed and named in messages.</summary>
public readonly record struct ObjectRef(string Kind, string? Namespace, string Name)
{
    /// <summary>Orders by kind, then namespace, then name (ordinal), for deterministic output.</summary>
    public static IComparer<ObjectRef> Comparer { get; } = Comparer<ObjectRef>.Create((a, b) => a.CompareOrdinal(b));

    private int CompareOrdinal(ObjectRef other)
    {
        var c = string.CompareOrdinal(Kind, other.Kind);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    public override string ToString() => Namespace is null ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}
