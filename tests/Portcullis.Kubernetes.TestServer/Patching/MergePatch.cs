using System.Text.Json.Nodes;

namespace Portcullis.Kubernetes.TestServer.Patching;

/// <summary>
/// RFC 7386 JSON merge patch. Also used for strategic merge patch, which then replaces lists instead of merging
/// them by key (the README says so).
/// </summary>
internal static class MergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : [];
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                result[key] = Apply(result[key], value);
            }
        }

        return result;
    }
}
