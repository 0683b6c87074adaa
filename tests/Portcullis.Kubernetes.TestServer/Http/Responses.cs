using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Http;

internal static class Responses
{
    public static async Task WriteJsonAsync(HttpContext context, int statusCode, JsonNode body)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    public static Task WriteErrorAsync(HttpContext context, ApiException error) =>
        WriteJsonAsync(context, error.Code, error.ToStatus());

    public static ApiException NoSuchResource() =>
        new(404, "NotFound", "the server could not find the requested resource");

    /// <summary>A copy of a stored object as seen through one version of its resource.</summary>
    public static JsonObject AsVersion(JsonObject obj, ResourceType type, string version)
    {
        var copy = obj.DeepClone().AsObject();
        copy["apiVersion"] = type.ApiVersion(version);
        copy["kind"] = type.Kind;
        return copy;
    }
}
