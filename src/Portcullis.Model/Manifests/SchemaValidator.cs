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
                foreach (var (name, property) in schema.Properties)
                {
                    if (obj.TryGetPropertyValue(name, out var value) && value is null && !property.Nullable)
                    {
                        obj.Remove(name);
                    }

                    if (property.Default is not null && !obj.ContainsKey(name))
                    {
                        obj[name] = property.Default.DeepClone();
                    }
                }

                foreach (var (name, child) in obj.ToArray())
                {
                    if (child is not null && schema.Properties.TryGetValue(name, out var property))
                    {
                        ApplyDefaults(child, property);
                    }
                }

                break;
            case JsonObject map when schema.AdditionalProperties is not null:
                foreach (var (_, child) in map.ToArray())
                {
                    ApplyDefaults(child, schema.AdditionalProperties);
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

    /// <summary>Checks node against schema, adding one error per violation with its field path.</summary>
    public static void Validate(JsonNode? node, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        if (node is null)
        {
            if (!schema.Nullable && schema.Type is not null)
            {
                errors.Add((path, $"Invalid value: \"null\": must be of type {schema.Type}"));
            }

            return;
        }

        if (!CheckType(node, schema, path, errors))
        {
            return;
        }

        if (schema.Enum is not null && !schema.Enum.Any(e => JsonNode.DeepEquals(e, node)))
        {
            var supported = string.Join(", ", schema.Enum.Select(Render));
            errors.Add((path, $"Unsupported value: {Render(node)}: supported values: {supported}"));
        }

        switch (node)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errors);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                ValidateString(value.GetValue<string>(), schema, path, errors);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                ValidateNumber(value, schema, path, errors);
                break;
        }

        ValidateCombinators(node, schema, path, errors);
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

    private static bool CheckType(JsonNode node, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        var kind = node.GetValueKind();
        if (schema.IntOrString)
        {
            if (kind == JsonValueKind.String || IsInteger(node))
            {
                return true;
            }

            errors.Add((path, $"Invalid value: {Render(node)}: must be an integer or a string"));
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
            errors.Add((path, $"Invalid value: {Render(node)}: must be of type {schema.Type}"));
        }

        return ok;
    }

    private static bool IsInteger(JsonNode node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && ToDouble(v) is var d && Math.Floor(d) == d;

    private static double ToDouble(JsonValue v) => double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void ValidateObject(JsonObject obj, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        foreach (var required in schema.Required)
        {
            if (!obj.ContainsKey(required))
            {
                errors.Add((Child(path, required), "Required value"));
            }
        }

        if (schema.MaxProperties is { } maxProperties && obj.Count > maxProperties)
        {
            errors.Add((path, $"Too many: {obj.Count}: must have at most {maxProperties} items"));
        }

        foreach (var (name, child) in obj)
        {
            if (schema.Properties is not null && schema.Properties.TryGetValue(name, out var property))
            {
                Validate(child, property, Child(path, name), errors);
            }
            else if (schema.AdditionalProperties is not null)
            {
                Validate(child, schema.AdditionalProperties, $"{path}[{name}]", errors);
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
                Validate(array[i], schema.Items, $"{path}[{i}]", errors);
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

    private static void ValidateString(string value, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        var length = value.EnumerateRunes().Count();
        if (schema.MinLength is { } min && length < min)
        {
            errors.Add((path, $"Invalid value: {Render(JsonValue.Create(value))}: must be at least {min} chars long"));
        }

        if (schema.MaxLength is { } max && length > max)
        {
            errors.Add((path, $"Too long: may not be more than {max} chars"));
        }

        if (schema.PatternRegex is { } regex && !regex.IsMatch(value))
        {
            errors.Add((path, $"Invalid value: {Render(JsonValue.Create(value))}: must match '{schema.Pattern}'"));
        }

        if (schema.Format is { } format && !MatchesFormat(value, format))
        {
            errors.Add((path, $"Invalid value: {Render(JsonValue.Create(value))}: must be of type {format}"));
        }
    }

    private static bool MatchesFormat(string value, string format) => format switch
    {
        "ipv4" => IPAddress.TryParse(value, out var a) && a.AddressFamily == AddressFamily.InterNetwork && value.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(value, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 && value.Contains(':', StringComparison.Ordinal),
        "date-time" => DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _),
        _ => true, // formats that are expensive or unused by the Gateway API CRDs are not checked
    };

    private static void ValidateNumber(JsonValue value, StructuralSchema schema, string path, List<(string Path, string Message)> errors)
    {
        var d = ToDouble(value);
        if (schema.Minimum is { } min && d < min)
        {
            errors.Add((path, $"Invalid value: {value.ToJsonString()}: must be greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}"));
        }

        if (schema.Maximum is { } max && d > max)
        {
            errors.Add((path, $"Invalid value: {value.ToJsonString()}: must be less than or equal to {max.ToString(CultureInfo.InvariantCulture)}"));
        }

        var (lo, hi) = schema.Format switch
        {
            "int32" => ((double)int.MinValue, (double)int.MaxValue),
            "int64" => ((double)long.MinValue, (double)long.MaxValue),
            _ => (double.MinValue, double.MaxValue),
        };
        if (d < lo || d > hi)
        {
            errors.Add((path, $"Invalid value: {value.ToJsonString()}: must be of type {schema.Format}"));
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
