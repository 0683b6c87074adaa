namespace Portcullis.Kubernetes.Resources;

using System.Text.Json;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;

/// <summary>
/// How one kind is reached on the API server: group, versions (preferred first, older ones as fallbacks when the
/// cluster does not serve the newer), plural and scope, and the model type its objects are read into.
/// </summary>
public sealed record ResourceKind(string Kind, string Group, IReadOnlyList<string> Versions, string Plural, bool Namespaced, Type ModelType)
{
    /// <summary>Restricts what is listed and watched (e.g. only TLS Secrets), as a Kubernetes field selector.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Lists and watches in this namespace only (null: every namespace), e.g. one Secret by name in its namespace.</summary>
    public string? Namespace { get; init; }

    public string ApiVersion(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    /// <summary>
    /// Reads one object as the API server sent it. List items of built-in kinds come without apiVersion and kind,
    /// so both are set from this descriptor; fields the model does not know are skipped (a tolerant reader: newer
    /// servers and other controllers add fields).
    /// </summary>
    public KubernetesObject Read(JsonElement item, string version)
    {
        var obj = (KubernetesObject?)item.Deserialize(ModelType, KubeJson.Output)
            ?? throw new JsonException($"{Kind}: null object");
        return obj with { ApiVersion = ApiVersion(version), Kind = Kind };
    }
}
