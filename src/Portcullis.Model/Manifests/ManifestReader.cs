namespace Portcullis.Model.Manifests;

using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

/// <summary>
/// Reads multi-document YAML or JSON manifests into typed objects. Every document is judged on its own:
/// one that does not parse or fails validation is reported and left out, and the rest still load.
/// </summary>
public static class ManifestReader
{
    public const string DefaultNamespace = "default";

    public static ManifestReadResult Read(string source, string text)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(text);
        var objects = new List<KubernetesObject>();
        var diagnostics = new List<ManifestDiagnostic>();
        var indexes = new List<int>();

        IReadOnlyList<JsonNode?> documents;
        try
        {
            documents = ParseDocuments(text);
        }
        catch (YamlException e)
        {
            diagnostics.Add(new(DiagnosticSeverity.Error, source, 0, null, null,
                $"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}"));
            return new(objects, diagnostics);
        }

        for (var i = 0; i < documents.Count; i++)
        {
            ReadDocument(source, i, documents[i], objects, diagnostics);
            while (indexes.Count < objects.Count)
            {
                indexes.Add(i);
            }
        }

        return new(objects, diagnostics) { DocumentIndexes = indexes };
    }

    private static IReadOnlyList<JsonNode?> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var docs = new List<JsonNode?>();
        foreach (var doc in stream.Documents)
        {
            var node = Yaml.ToJson(doc.RootNode);

            // A `kind: List` (as kubectl get -o yaml prints) holds its objects in items.
            if (node is JsonObject list && (string?)list["kind"] == "List" && list["items"] is JsonArray items)
            {
                docs.AddRange(items.Select(item => item?.DeepClone()));
            }
            else
            {
                docs.Add(node);
            }
        }

        return docs;
    }

    private static void ReadDocument(string source, int index, JsonNode? node, List<KubernetesObject> objects, List<ManifestDiagnostic> diagnostics)
    {
        if (node is null)
        {
            return; // an empty document, e.g. a trailing '---'
        }

        void Report(DiagnosticSeverity severity, string? obj, string? field, string message) =>
            diagnostics.Add(new(severity, source, index, obj, field, message));

        if (node is not JsonObject json)
        {
            Report(DiagnosticSeverity.Error, null, null, "a manifest document must be a mapping");
            return;
        }

        var apiVersion = json["apiVersion"] is JsonValue av && av.GetValueKind() == JsonValueKind.String ? av.GetValue<string>() : null;
        var kind = json["kind"] is JsonValue kv && kv.GetValueKind() == JsonValueKind.String ? kv.GetValue<string>() : null;
        if (string.IsNullOrEmpty(apiVersion))
        {
            Report(DiagnosticSeverity.Error, kind, "apiVersion", "is required");
            return;
        }

        if (string.IsNullOrEmpty(kind))
        {
            Report(DiagnosticSeverity.Error, null, "kind", "is required");
            return;
        }

        var name = json["metadata"]?["name"] is JsonValue nv && nv.GetValueKind() == JsonValueKind.String ? nv.GetValue<string>() : null;
        var label = name is null ? kind : $"{kind} {name}";

        var info = KindRegistry.Find(apiVersion, kind);
        if (info is null)
        {
            if (KindRegistry.IsKnownKind(kind))
            {
                Report(DiagnosticSeverity.Error, label, "apiVersion", $"{apiVersion} is not a served version of {kind}");
            }
            else
            {
                Report(DiagnosticSeverity.Info, label, null, $"skipped: {apiVersion} {kind} is not a kind Portcullis serves");
            }

            return;
        }

        if (string.IsNullOrEmpty(name))
        {
            Report(DiagnosticSeverity.Error, kind, "metadata.name", "is required");
            return;
        }

        if (info.Namespaced)
        {
            var ns = json["metadata"]!["namespace"];
            if (ns is null)
            {
                json["metadata"]!["namespace"] = DefaultNamespace;
            }

            label = $"{kind} {(string?)json["metadata"]!["namespace"]}/{name}";
        }

        var errors = new List<(string Path, string Message)>();
        ManifestValidation.Validate(apiVersion, kind, json, errors);
        if (errors.Count > 0)
        {
            foreach (var (path, message) in errors)
            {
                Report(DiagnosticSeverity.Error, label, path, message);
            }

            return;
        }

        try
        {
            var obj = (KubernetesObject?)json.Deserialize(info.Type, KubeJson.Strict);
            if (obj is not null)
            {
                objects.Add(obj);
            }
        }
        catch (JsonException e)
        {
            Report(DiagnosticSeverity.Error, label, FieldPath(e.Path), Reason(e, schemaChecked: CrdSchemas.Find(apiVersion, kind) is not null));
        }
    }

    /// <summary>Turns System.Text.Json's "$.spec.listeners[0].port" into "spec.listeners[0].port".</summary>
    internal static string? FieldPath(string? jsonPath) =>
        jsonPath is null ? null : jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');

    private static string Reason(JsonException e, bool schemaChecked)
    {
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            // The CRD schema already accepted the field, so it is valid Gateway API that Portcullis does not read yet.
            return schemaChecked ? "field not supported by Portcullis" : "unknown field";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
