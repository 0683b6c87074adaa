using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Portcullis.Kubernetes.TestServer.Storage;

/// <summary>Small readers and writers for the metadata fields the server owns.</summary>
internal static partial class ObjectMeta
{
    public static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }

        var created = new JsonObject();
        obj["metadata"] = created;
        return created;
    }

    public static string? Name(JsonObject obj) => (string?)obj["metadata"]?["name"];

    public static string? Namespace(JsonObject obj) => (string?)obj["metadata"]?["namespace"];

    public static string? Uid(JsonObject obj) => (string?)obj["metadata"]?["uid"];

    public static string? ResourceVersion(JsonObject obj) => (string?)obj["metadata"]?["resourceVersion"];

    public static long Generation(JsonObject obj) => (long?)obj["metadata"]?["generation"] ?? 0;

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static IEnumerable<string> OwnerUids(JsonObject obj) =>
        obj["metadata"]?["ownerReferences"] is JsonArray owners
            ? owners.Select(o => (string?)o?["uid"]).OfType<string>()
            : [];

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj) =>
        obj["metadata"]?["labels"] is JsonObject labels
            ? labels.Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value!.ToString(), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>True when the two objects differ anywhere outside metadata and status, the rule for bumping metadata.generation.</summary>
    public static bool SpecChanged(JsonObject before, JsonObject after)
    {
        var keys = before.Select(p => p.Key).Union(after.Select(p => p.Key))
            .Where(k => k is not ("metadata" or "status" or "apiVersion" or "kind"));
        return keys.Any(k => !JsonNode.DeepEquals(before[k], after[k]));
    }

    public static void ValidateName(string? name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw ApiException.Invalid($"{what}: Required value: name or generateName is required");
        }

        if (name.Length > 253 || !SubdomainPattern().IsMatch(name))
        {
            throw ApiException.Invalid(
                $"{what}: Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character");
        }
    }

    // Core names allow dots (a DNS subdomain); good enough for every kind this server stores.
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SubdomainPattern();
}
