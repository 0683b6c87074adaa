namespace Portcullis.Kubernetes.Provisioning;

/// <summary>
/// The label and annotation keys the provisioner put on an object, recorded in one annotation on the object
/// itself, so that a key later removed from the Gateway's spec.infrastructure is removed from the object too,
/// while keys others added (kubectl label, another controller) are left alone.
/// </summary>
internal sealed record OwnedMetadata(IReadOnlySet<string> Labels, IReadOnlySet<string> Annotations)
{
    public const string Annotation = "portcullis.dev/owned-metadata";

    private static readonly OwnedMetadata None = new(new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal));

    /// <summary>The annotation's value: "labels=a,b;annotations=c" (keys can hold neither ',' nor ';' nor '=').</summary>
    public static string Format(IEnumerable<string> labels, IEnumerable<string> annotations) =>
        $"labels={string.Join(',', labels.Order(StringComparer.Ordinal))};annotations={string.Join(',', annotations.Where(a => a != Annotation).Order(StringComparer.Ordinal))}";

    /// <summary>What an object's annotations say was ours; nothing when the annotation is absent (objects from before it existed).</summary>
    public static OwnedMetadata Read(IDictionary<string, string>? annotations)
    {
        if (annotations is null || !annotations.TryGetValue(Annotation, out var value))
        {
            return None;
        }

        var labels = new HashSet<string>(StringComparer.Ordinal);
        var owned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var part in value.Split(';'))
        {
            var (name, keys) = part.Split('=', 2) is [var n, var k] ? (n, k) : (part, "");
            var target = name switch
            {
                "labels" => labels,
                "annotations" => owned,
                _ => null,
            };
            target?.UnionWith(keys.Split(',', StringSplitOptions.RemoveEmptyEntries));
        }

        return new OwnedMetadata(labels, owned);
    }
}
