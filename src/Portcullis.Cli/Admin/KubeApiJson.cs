namespace Portcullis.Cli.Admin;

using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Portcullis.Cli.Status;

/// <summary>The JSON documents the admin endpoint answers with, in the shapes the Kubernetes API uses.</summary>
internal static class KubeApiJson
{
    /// <summary>Indented, and without escaping '&lt;', '+' or non-ASCII the way the default encoder would.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A list as kubectl prints several objects: kind List with the items inside.</summary>
    public static JsonObject List(IEnumerable<JsonObject> items) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["metadata"] = new JsonObject { ["resourceVersion"] = "" },
        ["items"] = new JsonArray(items.Cast<JsonNode?>().ToArray()),
    };

    /// <summary>A metav1.Status failure, e.g. reason NotFound, code 404.</summary>
    public static JsonObject Failure(string reason, string message, int code, JsonObject? details = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static JsonObject NotFound(ResourceType type, string name) => Failure(
        "NotFound",
        $"{type.QualifiedPlural} \"{name}\" not found",
        404,
        new JsonObject { ["name"] = name, ["group"] = type.Group, ["kind"] = type.Plural });
}
