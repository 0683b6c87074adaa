namespace Portcullis.Cli.Output;

using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

/// <summary>
/// kubectl's JSONPath template (`-o jsonpath=...`): literal text plus {expressions}, {range ...}{end} and
/// {"string literals"}. Missing fields print nothing, scalars print bare, objects and arrays print as JSON,
/// several results of one expression are separated by a space, and nothing is added at the end.
/// </summary>
internal sealed class JsonPathTemplate
{
    private readonly IReadOnlyList<TemplateNode> _nodes;

    private JsonPathTemplate(IReadOnlyList<TemplateNode> nodes) => _nodes = nodes;

    internal abstract record TemplateNode;

    private sealed record TextNode(string Text) : TemplateNode;

    private sealed record ExpressionNode(JsonPathExpression Path) : TemplateNode;

    private sealed record RangeNode(JsonPathExpression Path, List<TemplateNode> Body) : TemplateNode;

    /// <summary>Parses a template; throws <see cref="FormatException"/> with kubectl-like wording when it is malformed.</summary>
    public static JsonPathTemplate Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var root = new List<TemplateNode>();
        var stack = new Stack<List<TemplateNode>>();
        var current = root;
        var text = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            var c = template[i];
            if (c != '{')
            {
                text.Append(c);
                i++;
                continue;
            }

            if (text.Length > 0)
            {
                current.Add(new TextNode(text.ToString()));
                text.Clear();
            }

            var close = FindClose(template, i + 1);
            if (close < 0)
            {
                throw new FormatException($"error parsing jsonpath {template}, unclosed action");
            }

            var action = template[(i + 1)..close].Trim();
            i = close + 1;
            if (action == "end")
            {
                if (stack.Count == 0)
                {
                    throw new FormatException($"error parsing jsonpath {template}, not in range, nothing to end");
                }

                current = stack.Pop();
            }
            else if (action.StartsWith("range ", StringComparison.Ordinal) || action.StartsWith("range\t", StringComparison.Ordinal))
            {
                var range = new RangeNode(JsonPathExpression.Parse(action[6..].Trim()), []);
                current.Add(range);
                stack.Push(current);
                current = range.Body;
            }
            else if (action.Length >= 2 && action[0] is '"' or '\'' && action[^1] == action[0])
            {
                current.Add(new TextNode(Unescape(action[1..^1])));
            }
            else if (action.Length > 0)
            {
                current.Add(new ExpressionNode(JsonPathExpression.Parse(action)));
            }
        }

        if (text.Length > 0)
        {
            current.Add(new TextNode(text.ToString()));
        }

        if (stack.Count > 0)
        {
            throw new FormatException($"error parsing jsonpath {template}, unclosed range");
        }

        return new JsonPathTemplate(root);
    }

    public string Render(JsonNode? data)
    {
        var sb = new StringBuilder();
        Render(_nodes, data, data, sb);
        return sb.ToString();
    }

    private static void Render(IReadOnlyList<TemplateNode> nodes, JsonNode? root, JsonNode? current, StringBuilder sb)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode t:
                    sb.Append(t.Text);
                    break;
                case ExpressionNode e:
                    var first = true;
                    foreach (var value in e.Path.Evaluate(root, current))
                    {
                        if (!first)
                        {
                            sb.Append(' ');
                        }

                        first = false;
                        sb.Append(Format(value));
                    }

                    break;
                case RangeNode r:
                    foreach (var item in r.Path.Evaluate(root, current))
                    {
                        Render(r.Body, root, item, sb);
                    }

                    break;
            }
        }
    }

    /// <summary>Strings bare, other scalars as JSON literals, objects and arrays as compact JSON.</summary>
    public static string Format(JsonNode? value) => value switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(CompactOptions),
    };

    private static readonly JsonSerializerOptions CompactOptions = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The '}' closing an action, skipping quoted strings and brackets (filters may hold '}' in strings).</summary>
    private static int FindClose(string s, int start)
    {
        char? quote = null;
        var depth = 0;
        for (var i = start; i < s.Length; i++)
        {
            var c = s[i];
            if (quote is { } q)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == q)
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
                case '[' or '(':
                    depth++;
                    break;
                case ']' or ')':
                    depth--;
                    break;
                case '}' when depth <= 0:
                    return i;
            }
        }

        return -1;
    }

    internal static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i == s.Length - 1)
            {
                sb.Append(s[i]);
                continue;
            }

            i++;
            sb.Append(s[i] switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                _ => s[i],
            });
        }

        return sb.ToString();
    }
}
