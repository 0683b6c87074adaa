using System.Text.Json.Nodes;

namespace Portcullis.Kubernetes.TestServer.Storage;

internal sealed partial class ObjectStore
{
    /// <summary>
    /// Serves the resource a CRD defines and reports it Established at once (the real server takes a moment;
    /// `kubectl wait --for condition=established` then returns immediately).
    /// </summary>
    private void RegisterCrd(JsonObject crd)
    {
        var type = ResourceRegistry.FromCrd(crd);
        var crdName = ObjectMeta.Name(crd);
        if (crdName != type.QualifiedPlural)
        {
            throw ApiException.Invalid($"metadata.name: Invalid value: \"{crdName}\": must be spec.names.plural+\".\"+spec.group");
        }

        _registry.Add(type);
        var now = ObjectMeta.Timestamp(DateTimeOffset.UtcNow);
        var names = crd["spec"]!["names"]!.DeepClone();
        var stored = crd["spec"]!["versions"]!.AsArray()
            .Where(v => (bool?)v!["storage"] == true)
            .Select(v => JsonValue.Create((string)v!["name"]!))
            .ToArray<JsonNode?>();
        crd["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(stored),
        };
    }

    private static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type,
        ["status"] = "True",
        ["reason"] = reason,
        ["message"] = message,
        ["lastTransitionTime"] = now,
    };
}
