namespace Portcullis.Model.Manifests;

using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;
using YamlDotNet.Core;

/// <summary>
/// Reads multi-document YAML or JSON manifests into typed objects. Every document is judged on its own:
/// one that does not parse or fails validation is reported and left out, and the rest still load.
/// </summary>
public static partial class ManifestReader
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

        // Documents are judged independently, so a file of thousands of them uses every core; results are
        // merged in document order, so the outcome is the same as reading them one by one.
        var perDocument = new (List<KubernetesObject> Objects, List<ManifestDiagnostic> Diagnostics)[documents.Count];
        void ReadOne(int i)
        {
            var found = (new List<KubernetesObject>(1), new List<ManifestDiagnostic>());
            ReadDocument(source, i, documents[i], found.Item1, found.Item2);
            perDocument[i] = found;
        }

        if (documents.Count >= ParallelThreshold)
        {
            Parallel.For(0, documents.Count, ReadOne);
        }
        else
        {
            for (var i = 0; i < documents.Count; i++)
            {
                ReadOne(i);
            }
        }

        for (var i = 0; i < documents.Count; i++)
        {
            objects.AddRange(perDocument[i].Objects);
            diagnostics.AddRange(perDocument[i].Diagnostics);
            while (indexes.Count < objects.Count)
            {
                indexes.Add(i);
            }
        }

        return new(objects, diagnostics) { DocumentIndexes = indexes };
    }

    /// <summary>Below this many documents a file is read on one thread: scheduling would cost more than it saves.</summary>
    private const int ParallelThreshold = 64;

    private static List<JsonNode?> ParseDocuments(string text) => ExpandLists(ParseStream(text));

    private static List<JsonNode?> ExpandLists(List<JsonNode?> nodes)
    {
        var docs = new List<JsonNode?>(nodes.Count);
        foreach (var node in nodes)
        {
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

    /// <summary>
    /// Parses a large stream in slices of whole documents on every core. A line starting with "---" then a
    /// space or the line's end is always a document marker in YAML 1.2 (it cannot occur inside a scalar), so
    /// cutting there gives the same documents. Streams with directives ("%YAML") are parsed whole, as are
    /// slices that fail: then the error's line and column are those of the whole file.
    /// </summary>
    private static List<JsonNode?> ParseStream(string text)
    {
        var starts = DocumentStarts(text);
        if (starts is null)
        {
            return Yaml.ParseDocuments(text);
        }

        var slices = Math.Min(Environment.ProcessorCount * 4, starts.Count);
        var parsed = new List<JsonNode?>[slices];
        try
        {
            Parallel.For(0, slices, slice =>
            {
                var from = starts[starts.Count * slice / slices];
                var to = slice + 1 < slices ? starts[starts.Count * (slice + 1) / slices] : text.Length;
                parsed[slice] = Yaml.ParseDocuments(text[from..to]);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.All(x => x is YamlException))
        {
            return Yaml.ParseDocuments(text); // reports the error at its position in the whole file
        }

        return [.. parsed.SelectMany(p => p)];
    }

    /// <summary>Offsets where document slices may start, or null when the stream should be parsed whole.</summary>
    private static List<int>? DocumentStarts(string text, int minLength = 256 * 1024)
    {
        if (text.Length < minLength)
        {
            return null;
        }

        var starts = new List<int> { 0 };
        for (var line = 0; line < text.Length;)
        {
            if (text[line] == '%')
            {
                return null; // a directive belongs to the document after it: keep the stream whole
            }

            if (line > 0 && text.AsSpan(line).StartsWith("---", StringComparison.Ordinal)
                && (line + 3 == text.Length || text[line + 3] is ' ' or '\t' or '\r' or '\n'))
            {
                starts.Add(line);
            }

            var next = text.IndexOf('\n', line);
            line = next < 0 ? text.Length : next + 1;
        }

        return starts.Count > 1 ? starts : null;
    }

    /// <summary>
    /// <see cref="DocumentStarts(string, int)"/> over UTF-8 bytes: the same lines, as byte offsets. Every character it
    /// looks for is ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII, so the cuts are the same.
    /// </summary>
    private static List<int>? DocumentStarts(ReadOnlySpan<byte> text, int minLength)
    {
        if (text.Length < minLength)
        {
            return null;
        }

        var starts = new List<int> { 0 };
        for (var line = 0; line < text.Length;)
        {
            if (text[line] == (byte)'%')
            {
                return null;
            }

            if (line > 0 && text[line..].StartsWith("---"u8)
                && (line + 3 == text.Length || text[line + 3] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                starts.Add(line);
            }

            var next = text[line..].IndexOf((byte)'\n');
            line = next < 0 ? text.Length : line + next + 1;
        }

        return starts.Count > 1 ? starts : null;
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
