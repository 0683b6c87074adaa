using System.Globalization;
using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Patching;

/// <summary>RFC 6902 JSON patch (add, remove, replace, move, copy, test) with RFC 6901 pointers.</summary>
internal static class JsonPatch
{
    /// <summary>Applies the operations to a copy of <paramref name="document"/>. A malformed patch is a 400; one that does not apply is a 422, as on the real server.</summary>
    public static JsonNode? Apply(JsonNode? document, JsonNode? patch)
    {
        if (patch is not JsonArray operations)
        {
            throw ApiException.BadRequest("the JSON patch must be an array of operations");
        }

        var result = document?.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || (string?)op["op"] is not { } name || (string?)op["path"] is not { } path)
            {
                throw ApiException.BadRequest("each JSON patch operation needs \"op\" and \"path\"");
            }

            result = name switch
            {
                "add" => Add(result, path, Value(op)),
                "remove" => Remove(result, path, out _),
                "replace" => Add(Remove(result, path, out _), path, Value(op)),
                "move" => Move(result, From(op), path),
                "copy" => Add(result, path, Get(result, From(op)).DeepClone()),
                "test" => Test(result, path, Value(op)),
                _ => throw ApiException.BadRequest($"unexpected JSON patch operation \"{name}\""),
            };
        }

        return result;
    }

    private static JsonNode? Value(JsonObject op) =>
        op.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw ApiException.BadRequest($"JSON patch operation \"{op["op"]}\" needs \"value\"");

    private static string From(JsonObject op) =>
        (string?)op["from"] ?? throw ApiException.BadRequest($"JSON patch operation \"{op["op"]}\" needs \"from\"");

    private static JsonNode? Move(JsonNode? document, string from, string path)
    {
        document = Remove(document, from, out var value);
        return Add(document, path, value);
    }

    private static JsonNode? Test(JsonNode? document, string path, JsonNode? expected) =>
        JsonNode.DeepEquals(Get(document, path), expected)
            ? document
            : throw Failed($"testing value at {path} failed");

    private static JsonNode Get(JsonNode? document, string path)
    {
        var node = document;
        foreach (var token in Tokens(path))
        {
            node = node switch
            {
                JsonObject obj when obj.TryGetPropertyValue(token, out var child) => child,
                JsonArray array => array[Index(array, token, forInsert: false)],
                _ => throw Failed($"path {path} does not exist"),
            };
        }

        return node ?? throw Failed($"path {path} does not exist");
    }

    private static JsonNode? Add(JsonNode? document, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            return value;
        }

        switch (Parent(document, path, tokens))
        {
            case JsonObject obj:
                obj[tokens[^1]] = value;
                break;
            case JsonArray array when tokens[^1] == "-":
                array.Add(value);
                break;
            case JsonArray array:
                array.Insert(Index(array, tokens[^1], forInsert: true), value);
                break;
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0)
        {
            removed = document;
            return null;
        }

        switch (Parent(document, path, tokens))
        {
            case JsonObject obj when obj.TryGetPropertyValue(tokens[^1], out removed):
                obj.Remove(tokens[^1]);
                break;
            case JsonArray array:
                var index = Index(array, tokens[^1], forInsert: false);
                removed = array[index];
                array.RemoveAt(index);
                break;
            default:
                throw Failed($"path {path} does not exist");
        }

        removed = removed?.DeepClone();
        return document;
    }

    private static JsonNode Parent(JsonNode? document, string path, List<string> tokens)
    {
        var parentPath = string.Concat(tokens.Take(tokens.Count - 1).Select(t => "/" + t.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal)));
        var parent = Get(document, parentPath);
        return parent is JsonObject or JsonArray ? parent : throw Failed($"path {path} does not exist");
    }

    private static int Index(JsonArray array, string token, bool forInsert)
    {
        if (!int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || index > array.Count || (!forInsert && index == array.Count))
        {
            throw Failed($"index {token} is out of bounds for an array of {array.Count}");
        }

        return index;
    }

    private static List<string> Tokens(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw ApiException.BadRequest($"JSON pointer \"{path}\" must start with /");
        }

        return [.. path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static ApiException Failed(string message) => ApiException.Invalid($"the server rejected our request due to an error in our request: {message}");
}
