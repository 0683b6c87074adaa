namespace Portcullis.Cli.Status;

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Model.Core;
using Portcullis.Model.Serialization;

/// <summary>Turns a model object into the JSON the Kubernetes API would return for it.</summary>
internal static class ObjectJson
{
    /// <summary>Properties the model computes for convenience; the API has no such fields.</summary>
    private static readonly string[] ComputedProperties = ["ref", "serviceName"];

    public static JsonObject ToKubernetesJson(KubernetesObject obj, ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(type);
        var raw = JsonSerializer.SerializeToNode(obj, obj.GetType(), KubeJson.Output) as JsonObject ?? [];
        foreach (var name in ComputedProperties)
        {
            raw.Remove(name);
        }

        // apiVersion, kind and metadata first, status last, as the API server writes them.
        var result = new JsonObject
        {
            ["apiVersion"] = type.ApiVersion,
            ["kind"] = type.Kind,
            ["metadata"] = Detach(raw, "metadata"),
        };
        var status = Detach(raw, "status");
        foreach (var name in raw.Select(p => p.Key).ToList())
        {
            result[name] = Detach(raw, name);
        }

        if (status is not null)
        {
            result["status"] = status;
        }

        if (obj is Secret secret)
        {
            Redact(result, secret);
        }

        NormalizeTimestamps(result);
        return result;
    }

    /// <summary>Secret values never leave the process: each becomes "[redacted N bytes]".</summary>
    private static void Redact(JsonObject json, Secret secret)
    {
        if (secret.Data is not null)
        {
            var data = new JsonObject();
            foreach (var (key, value) in secret.Data.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                data[key] = Redacted(value.Length);
            }

            json["data"] = data;
        }

        if (secret.StringData is not null)
        {
            var data = new JsonObject();
            foreach (var (key, value) in secret.StringData.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                data[key] = Redacted(Encoding.UTF8.GetByteCount(value));
            }

            json["stringData"] = data;
        }

        // `kubectl apply` copies the whole manifest, tls.key included, into this annotation; managedFields can
        // carry field values too. Neither leaves the process for a Secret.
        if (json["metadata"] is JsonObject metadata)
        {
            metadata.Remove("managedFields");
            if (metadata["annotations"] is JsonObject annotations
                && annotations.ContainsKey(LastAppliedAnnotation))
            {
                annotations[LastAppliedAnnotation] = "[redacted]";
            }
        }
    }

    private const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static string Redacted(int bytes) => $"[redacted {bytes.ToString(CultureInfo.InvariantCulture)} bytes]";

    private static JsonNode? Detach(JsonObject obj, string name)
    {
        if (!obj.TryGetPropertyValue(name, out var node))
        {
            return null;
        }

        obj.Remove(name);
        return node;
    }

    /// <summary>Kubernetes writes times as RFC 3339 in UTC with whole seconds ("2025-08-04T14:23:59Z").</summary>
    private static void NormalizeTimestamps(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (name is "creationTimestamp" or "lastTransitionTime" or "deletionTimestamp"
                        && child is JsonValue v && v.TryGetValue<string>(out var text)
                        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                    {
                        obj[name] = FormatTime(time);
                    }
                    else
                    {
                        NormalizeTimestamps(child);
                    }
                }

                break;
            case JsonArray arr:
                foreach (var child in arr)
                {
                    NormalizeTimestamps(child);
                }

                break;
        }
    }

    public static string FormatTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
