using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Portcullis.Kubernetes.TestServer.Patching;
using Portcullis.Kubernetes.TestServer.Selectors;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Http;

/// <summary>The REST verbs on one resource URL: list/watch, get, create, update, patch, delete, and the /status subresource.</summary>
internal sealed class ResourceHandler(ObjectStore store, WatchStreamer watches)
{
    public async Task HandleAsync(HttpContext context, ResourcePath path)
    {
        var type = store.Resolve(path.Group, path.Version, path.Plural) ?? throw Responses.NoSuchResource();
        var statusScope = path.Subresource switch
        {
            null => UpdateScope.Main,
            "status" when type.HasStatus && path.Name is not null => UpdateScope.Status,
            _ => throw Responses.NoSuchResource(),
        };
        if (type.Namespaced != (path.Namespace is not null) && (path.Name is not null || !type.Namespaced))
        {
            throw Responses.NoSuchResource();
        }

        var query = context.Request.Query;
        if (query.ContainsKey("dryRun"))
        {
            throw ApiException.BadRequest("dryRun is not supported by this test server");
        }

        var method = context.Request.Method;
        if (path.Name is null)
        {
            switch (method)
            {
                case "GET" when query["watch"] is ["true" or "1"]:
                    await watches.StreamAsync(context, type, path, Filter(type, query)).ConfigureAwait(false);
                    return;
                case "GET":
                    await ListAsync(context, type, path, Filter(type, query)).ConfigureAwait(false);
                    return;
                case "POST" when path.Namespace is not null || !type.Namespaced:
                    var created = store.Create(type, path.Namespace, await ReadObjectAsync(context, type).ConfigureAwait(false), UpdateScope.Main);
                    await Responses.WriteJsonAsync(context, 201, Responses.AsVersion(created, type, path.Version)).ConfigureAwait(false);
                    return;
                default:
                    throw new ApiException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method} on a collection)");
            }
        }

        var result = method switch
        {
            "GET" => store.Get(type, path.Namespace, path.Name) ?? throw ApiException.NotFound(type, path.Name),
            "PUT" => await UpdateAsync(context, type, path, statusScope).ConfigureAwait(false),
            "PATCH" => await PatchAsync(context, type, path, statusScope).ConfigureAwait(false),
            "DELETE" when statusScope == UpdateScope.Main => await DeleteAsync(context, type, path).ConfigureAwait(false),
            _ => throw new ApiException(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource ({method})"),
        };
        await Responses.WriteJsonAsync(context, 200, Responses.AsVersion(result, type, path.Version)).ConfigureAwait(false);
    }

    private static Func<JsonObject, bool> Filter(ResourceType type, IQueryCollection query) =>
        ObjectFilter.Parse(type, query["labelSelector"], query["fieldSelector"]);

    // limit/continue are ignored: every list is one page, which clients accept (no continue token means "done").
    private async Task ListAsync(HttpContext context, ResourceType type, ResourcePath path, Func<JsonObject, bool> filter)
    {
        var (items, version) = store.List(type, path.Namespace, filter);
        var list = new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.ApiVersion(path.Version),
            ["metadata"] = new JsonObject { ["resourceVersion"] = version },
            ["items"] = new JsonArray([.. items.Select(i => Responses.AsVersion(i, type, path.Version))]),
        };
        await Responses.WriteJsonAsync(context, 200, list).ConfigureAwait(false);
    }

    private async Task<JsonObject> UpdateAsync(HttpContext context, ResourceType type, ResourcePath path, UpdateScope scope)
    {
        var proposed = await ReadObjectAsync(context, type).ConfigureAwait(false);
        if (type.Namespaced)
        {
            var metadata = ObjectMeta.Metadata(proposed);
            if ((string?)metadata["namespace"] is { } given && given != path.Namespace)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
        }

        return store.Update(type, path.Namespace, path.Name!, _ => proposed, scope);
    }

    private async Task<JsonObject> PatchAsync(HttpContext context, ResourceType type, ResourcePath path, UpdateScope scope)
    {
        Func<JsonNode?, JsonNode?, JsonNode?> apply = MediaType(context) switch
        {
            "application/merge-patch+json" or "application/strategic-merge-patch+json" => MergePatch.Apply,
            "application/json-patch+json" => JsonPatch.Apply,
            var other => throw UnsupportedMediaType(other),
        };
        var patch = await ReadJsonAsync(context).ConfigureAwait(false);
        return store.Update(type, path.Namespace, path.Name!, current => apply(current, patch) as JsonObject
            ?? throw ApiException.Invalid("the patch must leave an object"), scope);
    }

    private async Task<JsonObject> DeleteAsync(HttpContext context, ResourceType type, ResourcePath path)
    {
        var options = context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0
            ? await ReadJsonAsync(context).ConfigureAwait(false) as JsonObject
            : null;
        var policy = (string?)options?["propagationPolicy"] ?? context.Request.Query["propagationPolicy"].ToString();
        var orphan = policy == "Orphan" || (bool?)options?["orphanDependents"] == true || context.Request.Query["orphanDependents"] == "true";
        var expected = (string?)options?["preconditions"]?["resourceVersion"];
        return store.Delete(type, path.Namespace, path.Name!, expected, orphan);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context, ResourceType type)
    {
        JsonObject obj;
        switch (MediaType(context))
        {
            case "application/json" or "":
                obj = await ReadJsonAsync(context).ConfigureAwait(false) as JsonObject
                    ?? throw ApiException.BadRequest("the request body must be a JSON object");
                break;
            case ProtobufBody.MediaType:
                using (var buffer = new MemoryStream())
                {
                    await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
                    obj = ProtobufBody.Decode(buffer.ToArray());
                }

                break;
            case var other:
                throw UnsupportedMediaType(other);
        }

        if ((string?)obj["kind"] is { } kind && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind \"{kind}\" does not match the resource {type.QualifiedPlural} (kind \"{type.Kind}\")");
        }

        return obj;
    }

    private static async Task<JsonNode?> ReadJsonAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the request body is not valid JSON: {e.Message}");
        }
    }

    private static string MediaType(HttpContext context) =>
        (context.Request.ContentType ?? "").Split(';')[0].Trim().ToLowerInvariant();

    private static ApiException UnsupportedMediaType(string mediaType) =>
        new(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json (got \"{mediaType}\")");
}
