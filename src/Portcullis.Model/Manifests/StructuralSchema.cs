namespace Portcullis.Model.Manifests;

using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>
/// One node of a CRD's openAPIV3Schema, reduced to what defaulting and validation use. Built once per
/// served version from the embedded CRDs; immutable afterwards, so it is safe to share between threads.
/// </summary>
internal sealed class StructuralSchema
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    public string? Type { get; private init; }

    public IReadOnlyDictionary<string, StructuralSchema>? Properties { get; private init; }

    public IReadOnlyList<string> Required { get; private init; } = [];

    /// <summary>The properties that have a default, in <see cref="Properties"/> order: what defaulting walks.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonNode>> Defaults { get; private init; } = [];

    public StructuralSchema? Items { get; private init; }

    /// <summary>Schema of map values (additionalProperties: {...}).</summary>
    public StructuralSchema? AdditionalProperties { get; private init; }

    /// <summary>True when keys other than <see cref="Properties"/> are accepted.</summary>
    public bool AllowsUnknownFields { get; private init; }

    public JsonNode? Default { get; private init; }

    public IReadOnlyList<JsonNode?>? Enum { get; private init; }

    public string? Pattern { get; private init; }

    public long? MinLength { get; private init; }

    public long? MaxLength { get; private init; }

    public long? MinItems { get; private init; }

    public long? MaxItems { get; private init; }

    public long? MaxProperties { get; private init; }

    public double? Minimum { get; private init; }

    public double? Maximum { get; private init; }

    public string? Format { get; private init; }

    public bool Nullable { get; private init; }

    public bool IntOrString { get; private init; }

    public string? ListType { get; private init; }

    public IReadOnlyList<string> ListMapKeys { get; private init; } = [];

    public IReadOnlyList<StructuralSchema>? OneOf { get; private init; }

    public IReadOnlyList<StructuralSchema>? AnyOf { get; private init; }

    public StructuralSchema? Not { get; private init; }

    /// <summary>The compiled pattern, shared by every schema node with the same pattern text.</summary>
    public Regex? PatternRegex => Pattern is null ? null : Patterns.GetOrAdd(Pattern, CompilePattern);

    public static StructuralSchema Parse(JsonObject node)
    {
        Dictionary<string, StructuralSchema>? properties = null;
        if (node["properties"] is JsonObject props)
        {
            properties = new(StringComparer.Ordinal);
            foreach (var (name, child) in props)
            {
                if (child is JsonObject c)
                {
                    properties[name] = Parse(c);
                }
            }
        }

        StructuralSchema? additional = null;
        var allowsUnknown = node["x-kubernetes-preserve-unknown-fields"] is JsonValue p && p.GetValueKind() == JsonValueKind.True;
        switch (node["additionalProperties"])
        {
            case JsonObject a:
                additional = Parse(a);
                allowsUnknown = true;
                break;
            case JsonValue b when b.GetValueKind() == JsonValueKind.True:
                allowsUnknown = true;
                break;
        }

        // `type: object` with neither properties nor additionalProperties (e.g. metadata) is left to other checks;
        // a typeless node is a value-validation branch of oneOf/anyOf/not, which never prunes fields.
        var type = (string?)node["type"];
        if ((properties is null && additional is null) || type is null)
        {
            allowsUnknown = true;
        }

        return new StructuralSchema
        {
            Type = type,
            Properties = properties,
            Defaults = properties is null ? [] : [.. properties.Where(p => p.Value.Default is not null).Select(p => KeyValuePair.Create(p.Key, p.Value.Default!))],
            Required = Strings(node["required"]),
            Items = node["items"] is JsonObject items ? Parse(items) : null,
            AdditionalProperties = additional,
            AllowsUnknownFields = allowsUnknown,
            Default = node["default"]?.DeepClone(),
            Enum = node["enum"] is JsonArray e ? e.Select(x => x?.DeepClone()).ToArray() : null,
            Pattern = (string?)node["pattern"],
            MinLength = Long(node["minLength"]),
            MaxLength = Long(node["maxLength"]),
            MinItems = Long(node["minItems"]),
            MaxItems = Long(node["maxItems"]),
            MaxProperties = Long(node["maxProperties"]),
            Minimum = Double(node["minimum"]),
            Maximum = Double(node["maximum"]),
            Format = (string?)node["format"],
            Nullable = node["nullable"] is JsonValue n && n.GetValueKind() == JsonValueKind.True,
            IntOrString = node["x-kubernetes-int-or-string"] is JsonValue i && i.GetValueKind() == JsonValueKind.True,
            ListType = (string?)node["x-kubernetes-list-type"],
            ListMapKeys = Strings(node["x-kubernetes-list-map-keys"]),
            OneOf = node["oneOf"] is JsonArray one ? one.OfType<JsonObject>().Select(Parse).ToArray() : null,
            AnyOf = node["anyOf"] is JsonArray any ? any.OfType<JsonObject>().Select(Parse).ToArray() : null,
            Not = node["not"] is JsonObject not ? Parse(not) : null,
        };
    }

    /// <summary>
    /// CRD patterns are matched by the API server with Go's RE2; .NET's ECMAScript mode is the closest
    /// dialect. A trailing '$' becomes \z because .NET's '$' also matches before a final newline.
    /// </summary>
    private static Regex CompilePattern(string pattern)
    {
        var dotnet = pattern.EndsWith('$') && !pattern.EndsWith("\\$", StringComparison.Ordinal)
            ? pattern[..^1] + "\\z"
            : pattern;
        try
        {
            return new Regex(dotnet, RegexOptions.ECMAScript | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            return new Regex(dotnet, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
    }

    private static IReadOnlyList<string> Strings(JsonNode? node) =>
        node is JsonArray a ? a.Select(x => (string?)x).OfType<string>().ToArray() : [];

    private static long? Long(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<long>() : null;

    private static double? Double(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : null;
}
