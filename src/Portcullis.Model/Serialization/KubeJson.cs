namespace Portcullis.Model.Serialization;

using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

/// <summary>JSON settings matching Kubernetes: camelCase, nulls omitted, unknown fields rejected.</summary>
public static class KubeJson
{
    /// <summary>For reading manifests: unknown fields are errors, as with kubectl's strict field validation.</summary>
    public static JsonSerializerOptions Strict { get; } = Create(strict: true);

    /// <summary>For writing objects (admin API, golden files, `portcullis get`).</summary>
    public static JsonSerializerOptions Output { get; } = Create(strict: false);

    public static JsonNode? ToNode<T>(T value) => JsonSerializer.SerializeToNode(value, Output);

    private static JsonSerializerOptions Create(bool strict)
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            UnmappedMemberHandling = strict ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip,
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = false,
        };
        o.Converters.Add(new JsonStringEnumConverter());
        if (strict)
        {
            // Manifests repeat the same few hundred values thousands of times; decoded objects share one copy of each.
            o.Converters.Add(new SharedStringConverter());
        }

        o.MakeReadOnly(populateMissingResolver: true);
        return o;
    }
}
