using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Selectors;

/// <summary>
/// The labelSelector and fieldSelector of a list or watch. Labels: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>,
/// <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c>, <c>!k</c>. Fields: <c>=</c>, <c>==</c>, <c>!=</c> on
/// metadata.name, metadata.namespace and the few fields a resource allows (a Secret's type); others are a 400, as on the real server.
/// </summary>
internal static class ObjectFilter
{
    public static Func<JsonObject, bool> Parse(ResourceType type, string? labelSelector, string? fieldSelector)
    {
        var requirements = Split(labelSelector).Select(ParseLabel).Concat(Split(fieldSelector).Select(f => ParseField(type, f))).ToList();
        return obj => requirements.All(r => r(obj));
    }

    private static Func<JsonObject, bool> ParseLabel(string term)
    {
        if (term.StartsWith('!'))
        {
            var key = term[1..].Trim();
            return obj => !ObjectMeta.Labels(obj).ContainsKey(key);
        }

        foreach (var (op, negate) in new[] { (" notin ", true), (" in ", false) })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = term[..at].Trim();
                var set = term[(at + op.Length)..].Trim();
                if (!set.StartsWith('(') || !set.EndsWith(')'))
                {
                    throw ApiException.BadRequest($"unable to parse requirement: \"{term}\": expected a set in parentheses");
                }

                var values = set[1..^1].Split(',').Select(v => v.Trim()).ToHashSet(StringComparer.Ordinal);
                return obj => ObjectMeta.Labels(obj).TryGetValue(key, out var value) ? values.Contains(value) != negate : negate;
            }
        }

        if (SplitComparison(term) is var (k, v, notEqual))
        {
            return obj => ObjectMeta.Labels(obj).TryGetValue(k, out var value) ? (value == v) != notEqual : notEqual;
        }

        var exists = term.Trim();
        return obj => ObjectMeta.Labels(obj).ContainsKey(exists);
    }

    private static Func<JsonObject, bool> ParseField(ResourceType type, string term)
    {
        if (SplitComparison(term) is not var (field, expected, notEqual))
        {
            throw ApiException.BadRequest($"invalid field selector: \"{term}\"");
        }

        if (field is not ("metadata.name" or "metadata.namespace") && !type.ExtraSelectableFields.Contains(field))
        {
            throw ApiException.BadRequest($"field label not supported: {field}");
        }

        var path = field.Split('.');
        return obj =>
        {
            JsonNode? node = obj;
            foreach (var part in path)
            {
                node = node?[part];
            }

            return ((node?.ToString() ?? "") == expected) != notEqual;
        };
    }

    private static (string Key, string Value, bool NotEqual)? SplitComparison(string term)
    {
        foreach (var (op, notEqual) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var at = term.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return (term[..at].Trim(), term[(at + op.Length)..].Trim(), notEqual);
            }
        }

        return null;
    }

    // Commas separate requirements except inside the parentheses of a set.
    private static IEnumerable<string> Split(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            yield break;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            depth += selector[i] switch
            {
                '(' => 1,
                ')' => -1,
                _ => 0,
            };
            if (selector[i] == ',' && depth == 0)
            {
                yield return selector[start..i];
                start = i + 1;
            }
        }

        yield return selector[start..];
    }
}
