namespace Portcullis.Cli.Output;

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// One JSONPath expression as kubectl reads it: .field, ['field'], [n] (negative counts from the end),
/// [start:end], [*] and .*, .. (recursive descent), and [?(@.a.b == "x")] filters (==, !=, &lt;, &gt;, &lt;=, &gt;=,
/// or a bare path for "exists"). Paths start at the current object, or at the root with '$'.
/// </summary>
internal sealed class JsonPathExpression
{
    private readonly bool _fromRoot;
    private readonly IReadOnlyList<Segment> _segments;

    private JsonPathExpression(bool fromRoot, IReadOnlyList<Segment> segments)
    {
        _fromRoot = fromRoot;
        _segments = segments;
    }

    private abstract record Segment;

    private sealed record Field(string Name) : Segment;

    private sealed record Wildcard : Segment;

    private sealed record Recursive : Segment;

    private sealed record Index(int Value) : Segment;

    private sealed record Slice(int? Start, int? End) : Segment;

    private sealed record Filter(JsonPathExpression Left, string? Operator, JsonPathExpression? RightPath, JsonNode? RightValue) : Segment;

    public static JsonPathExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text.Trim();
        var i = 0;
        var fromRoot = false;
        if (s.StartsWith('$'))
        {
            fromRoot = true;
            i = 1;
        }
        else if (s.StartsWith('@'))
        {
            i = 1;
        }

        var segments = new List<Segment>();
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '.')
            {
                i++;
                if (i < s.Length && s[i] == '.')
                {
                    segments.Add(new Recursive());
                    i++;
                    if (i < s.Length && s[i] == '[')
                    {
                        continue;
                    }
                }

                if (i < s.Length && s[i] == '*')
                {
                    segments.Add(new Wildcard());
                    i++;
                    continue;
                }

                var name = ReadIdentifier(s, ref i);
                if (name.Length > 0)
                {
                    segments.Add(new Field(name));
                }
            }
            else if (c == '[')
            {
                var close = FindBracketClose(s, i + 1) ?? throw new FormatException($"unterminated array in jsonpath {text}");
                segments.Add(ParseBracket(s[(i + 1)..close].Trim(), text));
                i = close + 1;
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else
            {
                // A bare first field: "metadata.name" reads as ".metadata.name".
                var name = ReadIdentifier(s, ref i);
                if (name.Length == 0)
                {
                    throw new FormatException($"unrecognized character '{c}' in jsonpath {text}");
                }

                segments.Add(new Field(name));
            }
        }

        return new JsonPathExpression(fromRoot, segments);
    }

    public IEnumerable<JsonNode?> Evaluate(JsonNode? root, JsonNode? current)
    {
        IEnumerable<JsonNode?> values = [_fromRoot ? root : current];
        foreach (var segment in _segments)
        {
            values = Apply(segment, values, root).ToList();
        }

        return values;
    }

    private static IEnumerable<JsonNode?> Apply(Segment segment, IEnumerable<JsonNode?> values, JsonNode? root)
    {
        foreach (var value in values)
        {
            switch (segment)
            {
                case Field f when value is JsonObject obj && obj.TryGetPropertyValue(f.Name, out var child):
                    yield return child;
                    break;
                case Wildcard when value is JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        yield return child;
                    }

                    break;
                case Wildcard when value is JsonArray arr:
                    foreach (var child in arr)
                    {
                        yield return child;
                    }

                    break;
                case Recursive:
                    foreach (var node in SelfAndDescendants(value))
                    {
                        yield return node;
                    }

                    break;
                case Index ix when value is JsonArray arr:
                    var at = ix.Value < 0 ? arr.Count + ix.Value : ix.Value;
                    if (at >= 0 && at < arr.Count)
                    {
                        yield return arr[at];
                    }

                    break;
                case Slice sl when value is JsonArray arr:
                    var start = Clamp(sl.Start ?? 0, arr.Count);
                    var end = Clamp(sl.End ?? arr.Count, arr.Count);
                    for (var k = start; k < end; k++)
                    {
                        yield return arr[k];
                    }

                    break;
                case Filter filter:
                    IEnumerable<JsonNode?> candidates = value is JsonArray items ? items : [value];
                    foreach (var item in candidates)
                    {
                        if (Matches(filter, item, root))
                        {
                            yield return item;
                        }
                    }

                    break;
            }
        }
    }

    private static int Clamp(int index, int count)
    {
        var i = index < 0 ? count + index : index;
        return Math.Clamp(i, 0, count);
    }

    private static IEnumerable<JsonNode?> SelfAndDescendants(JsonNode? node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray arr => arr,
            _ => [],
        };
        foreach (var child in children)
        {
            foreach (var d in SelfAndDescendants(child))
            {
                yield return d;
            }
        }
    }

    private static bool Matches(Filter filter, JsonNode? item, JsonNode? root)
    {
        var left = filter.Left.Evaluate(root, item).ToList();
        if (filter.Operator is null)
        {
            return left.Count > 0;
        }

        var right = filter.RightPath is not null ? filter.RightPath.Evaluate(root, item).FirstOrDefault() : filter.RightValue;
        return left.Any(l => Compare(l, filter.Operator, right));
    }

    private static bool Compare(JsonNode? left, string op, JsonNode? right)
    {
        if (AsNumber(left) is { } a && AsNumber(right) is { } b)
        {
            return op switch
            {
                "==" => a == b,
                "!=" => a != b,
                "<" => a < b,
                ">" => a > b,
                "<=" => a <= b,
                ">=" => a >= b,
                _ => false,
            };
        }

        var ls = left is null ? "null" : JsonPathTemplate.Format(left);
        var rs = right is null ? "null" : JsonPathTemplate.Format(right);
        var c = string.CompareOrdinal(ls, rs);
        return op switch
        {
            "==" => c == 0,
            "!=" => c != 0,
            "<" => c < 0,
            ">" => c > 0,
            "<=" => c <= 0,
            ">=" => c >= 0,
            _ => false,
        };
    }

    private static double? AsNumber(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? double.Parse(v.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture)
            : null;

    private static Segment ParseBracket(string content, string text)
    {
        if (content == "*")
        {
            return new Wildcard();
        }

        if (content.StartsWith('?'))
        {
            var inner = content[1..].Trim();
            if (inner.StartsWith('(') && inner.EndsWith(')'))
            {
                inner = inner[1..^1].Trim();
            }

            return ParseFilter(inner, text);
        }

        if (content.Length >= 2 && content[0] is '\'' or '"' && content[^1] == content[0])
        {
            return new Field(JsonPathTemplate.Unescape(content[1..^1]));
        }

        if (content.Contains(':', StringComparison.Ordinal))
        {
            var parts = content.Split(':');
            return new Slice(ParseOptionalInt(parts[0], text), ParseOptionalInt(parts[1], text));
        }

        return int.TryParse(content, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index)
            ? new Index(index)
            : throw new FormatException($"invalid array index {content} in jsonpath {text}");
    }

    private static int? ParseOptionalInt(string s, string text)
    {
        s = s.Trim();
        if (s.Length == 0)
        {
            return null;
        }

        return int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"invalid array index {s} in jsonpath {text}");
    }

    private static Filter ParseFilter(string expression, string text)
    {
        var (at, op) = FindOperator(expression);
        if (op is null)
        {
            return new Filter(Parse(expression), null, null, null);
        }

        var left = Parse(expression[..at].Trim());
        var rightText = expression[(at + op.Length)..].Trim();
        if (rightText.Length >= 2 && rightText[0] is '"' or '\'' && rightText[^1] == rightText[0])
        {
            return new Filter(left, op, null, JsonValue.Create(JsonPathTemplate.Unescape(rightText[1..^1])));
        }

        if (double.TryParse(rightText, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return new Filter(left, op, null, JsonValue.Create(number));
        }

        if (rightText is "true" or "false")
        {
            return new Filter(left, op, null, JsonValue.Create(rightText == "true"));
        }

        return rightText.Length > 0 && rightText[0] is '@' or '$' or '.'
            ? new Filter(left, op, Parse(rightText), null)
            : throw new FormatException($"unrecognized filter value {rightText} in jsonpath {text}");
    }

    private static (int At, string? Op) FindOperator(string s)
    {
        char? quote = null;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }

                continue;
            }

            if (c is '"' or '\'')
            {
                quote = c;
                continue;
            }

            var two = i + 1 < s.Length ? s.Substring(i, 2) : "";
            if (two is "==" or "!=" or "<=" or ">=")
            {
                return (i, two);
            }

            if (c is '<' or '>')
            {
                return (i, c.ToString());
            }
        }

        return (-1, null);
    }

    /// <summary>A field name up to the next '.' or '[', where "\." is a dot inside the name (e.g. label keys).</summary>
    private static string ReadIdentifier(string s, ref int i)
    {
        var sb = new StringBuilder();
        while (i < s.Length && s[i] is not '.' and not '[')
        {
            if (s[i] == '\\' && i + 1 < s.Length)
            {
                i++;
            }

            sb.Append(s[i]);
            i++;
        }

        return sb.ToString().Trim();
    }

    private static int? FindBracketClose(string s, int start)
    {
        char? quote = null;
        var depth = 0;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    break;
                case '[':
                    depth++;
                    break;
                case ']' when depth == 0:
                    return i;
                case ']':
                    depth--;
                    break;
            }
        }

        return null;
    }
}
