namespace Portcullis.Cli.Manifests;

using System.Globalization;
using System.Text.Json.Nodes;

/// <summary>
/// RFC 6902 JSON Patch (add, remove, replace, test) and RFC 7386 merge patch on a JSON tree, so that
/// standalone users can run the workshop's `kubectl patch --type=json` steps on files without kubectl.
/// </summary>
internal static class JsonPatch
{
    public static JsonNode ApplyJsonPatch(JsonNode document, JsonArray operations)
    {
        var root = document.DeepClone();
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is not JsonObject op)
            {
                throw new PatchException($"operation {i}: must be an object");
            }

            var kind = (string?)op["op"] ?? throw new PatchException($"operation {i}: \"op\" is required");
            var path = (string?)op["path"] ?? throw new PatchException($"operation {i}: \"path\" is required");
            try
            {
                root = kind switch
                {
                    "add" => Add(root, Parse(path), Value(op)),
                    "remove" => Remove(root, Parse(path)),
                    "replace" => Add(Remove(root, Parse(path)), Parse(path), Value(op)),
                    "test" => Test(root, Parse(path), Value(op)),
                    _ => throw new PatchException($"unsupported op \"{kind}\" (add, remove, replace and test are supported)"),
                };
            }
            catch (PatchException e)
            {
                throw new PatchException($"operation {i} ({kind} {path}): {e.Message}");
            }
        }

        return root;
    }

    public static JsonNode? ApplyMergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject o ? (JsonObject)o.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = ApplyMergePatch(result[key], value);
                result[key] = merged;
            }
        }

        return result;
    }

    private static JsonNode? Value(JsonObject op) =>
        op.TryGetPropertyValue("value", out var v) ? v?.DeepClone() : throw new PatchException("\"value\" is required");

    private static List<string> Parse(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new PatchException($"path \"{pointer}\" must start with /");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
    }

    private static JsonNode Navigate(JsonNode root, List<string> tokens, int count)
    {
        var node = root;
        for (var i = 0; i < count; i++)
        {
            node = node switch
            {
                JsonObject o when o[tokens[i]] is { } child => child,
                JsonArray a when Index(tokens[i], a.Count, allowEnd: false) is var n && a[n] is { } item => item,
                _ => throw new PatchException($"/{string.Join('/', tokens.Take(i + 1))} does not exist"),
            };
        }

        return node;
    }

    private static int Index(string token, int count, bool allowEnd)
    {
        if (allowEnd && token == "-")
        {
            return count;
        }

        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > count || (!allowEnd && index == count))
        {
            throw new PatchException($"array index \"{token}\" is out of range (length {count})");
        }

        return index;
    }

    private static JsonNode Add(JsonNode root, List<string> tokens, JsonNode? value)
    {
        if (tokens.Count == 0)
        {
            return value ?? throw new PatchException("cannot replace the document with null");
        }

        var parent = Navigate(root, tokens, tokens.Count - 1);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a:
                a.Insert(Index(last, a.Count, allowEnd: true), value);
                break;
            default:
                throw new PatchException("parent is not an object or array");
        }

        return root;
    }

    private static JsonNode Remove(JsonNode root, List<string> tokens)
    {
        if (tokens.Count == 0)
        {
            throw new PatchException("cannot remove the whole document");
        }

        var parent = Navigate(root, tokens, tokens.Count - 1);
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a:
                a.RemoveAt(Index(last, a.Count, allowEnd: false));
                break;
            default:
                throw new PatchException($"/{string.Join('/', tokens)} does not exist");
        }

        return root;
    }

    private static JsonNode Test(JsonNode root, List<string> tokens, JsonNode? value)
    {
        var actual = tokens.Count == 0 ? root : Navigate(root, tokens, tokens.Count);
        return JsonNode.DeepEquals(actual, value) ? root : throw new PatchException("test failed: value differs");
    }
}

internal sealed class PatchException(string message) : Exception(message);
