namespace Portcullis.Model.Manifests;

using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// Structural defaulting and OpenAPI validation as the Kubernetes API server applies them to custom resources,
/// with messages phrased like its field errors ("Required value", "Unsupported value: ...").
/// </summary>
internal static class SchemaValidator
{
    private static readonly JsonSerializerOptions MessageJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// Fills absent properties that have a default, top-down, including inside array items and inside values
    /// that were just defaulted. Like the API server, a null in a non-nullable field counts as absent.
    /// </summary>
    public static void ApplyDefaults(JsonNode? node, StructuralSchema schema)
    {
        switch (node)
        {
            case JsonObject obj when schema.Properties is not null:
                RemoveNullsOfNonNullable(obj, schema.Properties);
                foreach (var (name, value) in schema.Defaults)
                {
                    if (!obj.ContainsKey(name))
                    {
                        obj[name] = value.DeepClone();
                    }
                }

                // Defaulting a child never adds or removes keys of this object, so indexes stay valid.
                for (var i = 0; i < obj.Count; i++)
                {
                    var (name, child) = obj.GetAt(i);
                    if (child is not null && schema.Properties.TryGetValue(name, out var property))
                    {
                        ApplyDefaults(child, property);
                    }
                }

                break;
            case JsonObject map when schema.AdditionalProperties is not null:
                for (var i = 0; i < map.Count; i++)
                {
                    ApplyDefaults(map.GetAt(i).Value, schema.AdditionalProperties);
                }

                break;
            case JsonArray array when schema.Items is not null:
                foreach (var item in array)
                {
                    ApplyDefaults(item, schema.Items);
                }

                break;
        }
    }

    private static void RemoveNullsOfNonNullable(JsonObject obj, IReadOnlyDictionary<string, StructuralSchema> properties)
    {
        for (var i = obj.Count - 1; i >= 0; i--)
        {
            var (name, value) = obj.GetAt(i);
            if (value is null && properties.TryGetValue(name, out var property) && !property.Nullable)
            {
                obj.RemoveAt(i);
            }
        }
    }

    /// <summary>Checks node against schema, adding one error per violation with its field path.</summary>
    public static void Validate(JsonNode? node, StructuralSchema schema, string path, List<(string Path, string Message)> errors) =>
        Validate(node, schema, new FieldPath(path), errors);

    /// <summary>
    /// Like the public overload, with the path built only when it is needed: for an error, or once per object or
    /// array (to pass on to its children). Building "spec.rules[0].matches[0].path.type" for every leaf of 10,000
    /// documents was a fifth of what validation allocated.
    /// </summary>
    private static void Validate(JsonNode? node, StructuralSchema schema, FieldPath field, List<(string Path, string Message)> errors)
    {
        if (node is null)
        {
            if (!schema.Nullable && schema.Type is not null)
            {
                errors.Add((field.ToString(), $"Invalid value: \"null\": must be of type {schema.Type}"));
            }

            return;
        }

        if (!CheckType(node, schema, field, errors))
        {
            return;
        }

        if (schema.Enum is not null && !InEnum(schema.Enum, node))
        {
            var supported = string.Join(", ", schema.Enum.Select(Render));
            errors.Add((field.ToString(), $"Unsupported value: {Render(node)}: supported values: {supported}"));
        }

        switch (node)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, field.ToString(), errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, field.ToString(), errors);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                ValidateString(value.GetValue<string>(), schema, field, errors);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                ValidateNumber(value, schema, field, errors);
                break;
        }

        if (schema.AnyOf is not null || schema.OneOf is not null || schema.Not is not null)
        {
            ValidateCombinators(node, schema, field.ToString(), errors);
        }
    }

    private static bool InEnum(IReadOnlyList<JsonNode?> values, JsonNode node)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (JsonNode.DeepEquals(values[i], node))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Renders a value the way the API server quotes it in "Invalid value: ..." messages.</summary>
    public static string Render(JsonNode? node) => node switch
    {
        null => "\"null\"",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonSerializer.Serialize(v.GetValue<string>(), MessageJson),
        _ => node.ToJsonString(),
    };

    public static string Child(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static bool CheckType(JsonNode node, StructuralSchema schema, FieldPath path, List<(string Path, string Message)> errors)
    {
        var kind = node.GetValueKind();
        if (schema.IntOrString)
        {
            if (kind == JsonValueKind.String || IsInteger(node))
            {
                return true;
            }

            errors.Add((path.ToString(), $"Invalid value: {Render(node)}: must be an integer or a string"));
            return false;
        }

        var ok = schema.Type switch
        {
            null => true,
            "object" => node is JsonObject,
            "array" => node is JsonArray,
            "string" => kind == JsonValueKind.String,
            "boolean" => kind is JsonValueKind.True or JsonValueKind.False,
            "integer" => IsInteger(node),
            "number" => kind == JsonValueKind.Number,
            _ => true,
        };
        if (!ok)
        {
            errors.Add((path.ToString(), $"Invalid value: {Render(node)}: must be of type {schema.Type}"));
        }

        return ok;
    }

    private static bool IsInteger(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && ToDouble(v) is var d && Math.Floor(d) == d;

    /// <summary>The number's value; read from the stored value when it is one (YAML scalars are longs or doubles), without rendering it.</summary>
    private static double ToDouble(JsonValue v) =>
        v.TryGetValue<long>(out var l) ? l
        : v.TryGetValue<double>(out var d) ? d
        : v.TryGetValue<int>(out var i) ? i
        : double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void ValidateObject(JsonObject obj, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        for (var i = 0; i < schema.Required.Count; i++)
        {
            if (!obj.ContainsKey(schema.Required[i]))
            {
                errors.Add((Child(path, schema.Required[i]), "Required value"));
            }
        }

        if (schema.MaxProperties is { } maxProperties && obj.Count > maxProperties)
        {
            errors.Add((path, $"Too many: {obj.Count}: must have at most {maxProperties} items"));
        }

        for (var i = 0; i < obj.Count; i++)
        {
            var (name, child) = obj.GetAt(i);
            if (schema.Properties is not null && schema.Properties.TryGetValue(name, out var property))
            {
                Validate(child, property, new FieldPath(path, name), errors);
            }
            else if (schema.AdditionalProperties is not null)
            {
                Validate(child, schema.AdditionalProperties, new FieldPath(path, name, mapKey: true), errors);
            }
            else if (!schema.AllowsUnknownFields)
            {
                errors.Add((Child(path, name), "unknown field"));
            }
        }
    }

    private static void ValidateArray(JsonArray array, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        if (schema.MinItems is { } min && array.Count < min)
        {
            errors.Add((path, $"Invalid value: {array.Count}: must have at least {min} items"));
        }

        if (schema.MaxItems is { } max && array.Count > max)
        {
            errors.Add((path, $"Too many: {array.Count}: must have at most {max} items"));
        }

        for (var i = 0; i < array.Count; i++)
        {
            if (schema.Items is not null)
            {
                Validate(array[i], schema.Items, new FieldPath(path, i), errors);
            }
        }

        // x-kubernetes-list-type: map and set forbid duplicate keys / values, like the API server's list validation.
        if (schema.ListType is "map" or "set")
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                var key = schema.ListType == "map" && array[i] is JsonObject item
                    ? KeyOf(item, schema.ListMapKeys)
                    : array[i]?.ToJsonString(MessageJson) ?? "null";
                if (!seen.Add(key))
                {
                    errors.Add(($"{path}[{i}]", $"Duplicate value: {key}"));
                }
            }
        }
    }

    private static string KeyOf(JsonObject item, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var k in keys)
        {
            key[k] = item[k]?.DeepClone();
        }

        return key.ToJsonString(MessageJson);
    }

    private static void ValidateString(string value, StructuralSchema schema, FieldPath path, List<(string Path, string Message)> errors)
    {
        if (schema.MinLength is not null || schema.MaxLength is not null)
        {
            var length = RuneCount(value);
            if (schema.MinLength is { } min && length < min)
            {
                errors.Add((path.ToString(), $"Invalid value: {Render(JsonValue.Create(value))}: must be at least {min} chars long"));
            }

            if (schema.MaxLength is { } max && length > max)
            {
                errors.Add((path.ToString(), $"Too long: may not be more than {max} chars"));
            }
        }

        if (schema.PatternRegex is { } regex && !regex.IsMatch(value))
        {
            errors.Add((path.ToString(), $"Invalid value: {Render(JsonValue.Create(value))}: must match '{schema.Pattern}'"));
        }

        if (schema.Format is { } format && !MatchesFormat(value, format))
        {
            errors.Add((path.ToString(), $"Invalid value: {Render(JsonValue.Create(value))}: must be of type {format}"));
        }
    }

    /// <summary>Length in Unicode code points, as the API server counts it.</summary>
    private static int RuneCount(string value)
    {
        if (!value.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return value.Length;
        }

        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static bool MatchesFormat(string value, string format) => format switch
    {
        "ipv4" => IPAddress.TryParse(value, out var a) && a.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(value, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 && value.Contains(':', StringComparison.Ordinal),
        "date-time" => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _),
        _ => true, // formats that are expensive or unused by the Gateway API CRDs are not checked
    };

    private static void ValidateNumber(JsonValue value, StructuralSchema schema, FieldPath path, List<(string Path, string Message)> errors)
    {
        var d = ToDouble(value);
        if (schema.Minimum is { } min && d < min)
        {
            errors.Add((path.ToString(), $"Invalid value: {value.ToJsonString()}: must be greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}"));
        }

        if (schema.Maximum is { } max && d > max)
        {
            errors.Add((path.ToString(), $"Invalid value: {value.ToJsonString()}: must be less than or equal to {max.ToString(CultureInfo.InvariantCulture)}"));
        }

        var (lo, hi) = schema.Format switch
        {
            "int32" => ((double)int.MinValue, (double)int.MaxValue),
            "int64" => ((double)long.MinValue, (double)long.MaxValue),
            _ => (double.MinValue, double.MaxValue),
        };
        if (d < lo || d > hi)
        {
            errors.Add((path.ToString(), $"Invalid value: {value.ToJsonString()}: must be of type {schema.Format}"));
        }
    }

    private static void ValidateCombinators(JsonNode node, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        if (schema.AnyOf is { } anyOf)
        {
            var branchErrors = anyOf.Select(b => Run(node, b, path)).ToArray();
            if (branchErrors.All(e => e.Count > 0))
            {
                if (anyOf.All(b => b.Format is not null && b.Type is null && b.Properties is null))
                {
                    // The CRDs use anyOf [ipv4, ipv6] for IP addresses: say so in one line.
                    errors.Add((path, $"Invalid value: {Render(node)}: must be of type {string.Join(" or ", anyOf.Select(b => b.Format))}"));
                }
                else
                {
                    errors.AddRange(branchErrors.OrderBy(e => e.Count).First());
                }
            }
        }

        if (schema.OneOf is { } oneOf)
        {
            var branchErrors = oneOf.Select(b => Run(node, b, path)).ToArray();
            var valid = branchErrors.Count(e => e.Count == 0);
            if (valid == 0)
            {
                // Report why the closest branch failed: that is what the author most likely meant.
                errors.AddRange(branchErrors.OrderBy(e => e.Count).First());
            }
            else if (valid > 1)
            {
                errors.Add((path, $"Invalid value: {Render(node)}: must validate one and only one schema (oneOf)"));
            }
        }

        if (schema.Not is { } not && Run(node, not, path).Count == 0)
        {
            errors.Add((path, $"Invalid value: {Render(node)}: must not validate the schema (not)"));
        }
    }

    private static List<(string Path, string Message)> Run(JsonNode node, StructuralSchema schema, string path)
    {
        var errors = new List<(string Path, string Message)>();
        Validate(node, schema, path, errors);
        return errors;
    }
}

/// <summary>A field's path, rendered only when asked: "parent.name", "parent[index]" or "parent[key]" of a map.</summary>
internal readonly struct FieldPath
{
    private readonly string _parent;
    private readonly string? _name;
    private readonly int _index;
    private readonly bool _mapKey;

    public FieldPath(string path)
        : this(path, null, -1, false)
    {
    }

    public FieldPath(string parent, string name, bool mapKey = false)
        : this(parent, name, -1, mapKey)
    {
    }

    public FieldPath(string parent, int index)
        : this(parent, null, index, false)
    {
    }

    private FieldPath(string parent, string? name, int index, bool mapKey) =>
        (_parent, _name, _index, _mapKey) = (parent, name, index, mapKey);

    public override string ToString() =>
        _name is not null ? (_mapKey ? $"{_parent}[{_name}]" : SchemaValidator.Child(_parent, _name))
        : _index >= 0 ? $"{_parent}[{_index}]"
        : _parent;
}
