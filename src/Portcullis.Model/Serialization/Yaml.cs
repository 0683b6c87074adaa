namespace Portcullis.Model.Serialization;

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

/// <summary>Converts between YAML and the JSON tree that typed reading and output work on.</summary>
public static class Yaml
{
    /// <summary>Converts one parsed YAML node to JSON with the YAML 1.2 core schema for plain scalars.</summary>
    public static JsonNode? ToJson(YamlNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (k, v) in map.Children)
                {
                    var key = k is YamlScalarNode ks ? ks.Value ?? "" : throw new YamlException(k.Start, k.End, "mapping keys must be scalars");
                    obj[key] = ToJson(v);
                }

                return obj;
            case YamlSequenceNode seq:
                var arr = new JsonArray();
                foreach (var item in seq.Children)
                {
                    arr.Add(ToJson(item));
                }

                return arr;
            case YamlScalarNode scalar:
                return ScalarToJson(scalar);
            default:
                return null;
        }
    }

    /// <summary>
    /// Parses every document of a YAML stream straight from parser events to JSON, the same tree
    /// <see cref="ToJson"/> gives, without building YamlDotNet's representation model first (which
    /// holds the whole stream as YamlNodes and costs twice the time on 10,000-document files).
    /// Aliases are resolved to copies of their anchored node.
    /// </summary>
    /// <exception cref="YamlException">The text is not valid YAML, or a mapping key is not a scalar.</exception>
    public static List<JsonNode?> ParseDocuments(string text) => ParseDocuments(text, starts: null);

    /// <summary>
    /// Like <see cref="ParseDocuments(string)"/>, and adds to <paramref name="starts"/> the offset in
    /// <paramref name="text"/> at which each document starts, so a caller that parsed many documents in
    /// one stream can tell which part of the text each came from.
    /// </summary>
    /// <exception cref="YamlException">The text is not valid YAML, or a mapping key is not a scalar.</exception>
    public static List<JsonNode?> ParseDocuments(string text, List<int>? starts)
    {
        ArgumentNullException.ThrowIfNull(text);
        return ParseDocuments(new StringReader(text), starts);
    }

    /// <summary>Parses text[start..(start + length)] without copying it (a 16 MB file is 32 MB of string; a copy is as much garbage).</summary>
    internal static List<JsonNode?> ParseDocuments(string text, int start, int length, List<int>? starts) =>
        ParseDocuments(new SliceReader(text, start, length), starts);

    private static List<JsonNode?> ParseDocuments(TextReader reader, List<int>? starts)
    {
        var parser = new Parser(reader);
        var anchors = new Dictionary<AnchorName, JsonNode?>();
        var documents = new List<JsonNode?>();
        parser.Consume<StreamStart>();
        while (parser.TryConsume<DocumentStart>(out var start))
        {
            anchors.Clear(); // anchors are scoped to their document
            starts?.Add((int)start.Start.Index);
            documents.Add(ReadNode(parser, anchors));
            parser.Consume<DocumentEnd>();
        }

        parser.Consume<StreamEnd>();
        return documents;
    }

    private static JsonNode? ReadNode(IParser parser, Dictionary<AnchorName, JsonNode?> anchors)
    {
        var start = parser.Current ?? throw new YamlException("unexpected end of the YAML stream");
        JsonNode? node;
        AnchorName anchor;
        switch (start)
        {
            case Scalar scalar:
                parser.MoveNext();
                node = ScalarToJson(scalar.Value, scalar.Style);
                anchor = scalar.Anchor;
                break;
            case MappingStart mappingStart:
                parser.MoveNext();
                node = ReadMapping(parser, anchors);
                anchor = mappingStart.Anchor;
                break;
            case SequenceStart sequenceStart:
                parser.MoveNext();
                var arr = new JsonArray();
                while (!parser.TryConsume<SequenceEnd>(out _))
                {
                    arr.Add(ReadNode(parser, anchors));
                }

                node = arr;
                anchor = sequenceStart.Anchor;
                break;
            case AnchorAlias alias:
                parser.MoveNext();
                return anchors.TryGetValue(alias.Value, out var target)
                    ? target?.DeepClone()
                    : throw new YamlException(alias.Start, alias.End, $"alias *{alias.Value} refers to no anchor");
            default:
                throw new YamlException(start.Start, start.End, $"unexpected {start.GetType().Name} in the YAML stream");
        }

        if (!anchor.IsEmpty)
        {
            anchors[anchor] = node;
        }

        return node;
    }

    /// <summary>
    /// A mapping's entries, gathered first so the JsonObject is created at its final size: adding them one by one
    /// grew (and copied) its dictionary several times per object, a tenth of the time spent reading manifests.
    /// A repeated key keeps its first position and its last value, as assigning obj[key] does.
    /// </summary>
    private static JsonObject ReadMapping(IParser parser, Dictionary<AnchorName, JsonNode?> anchors)
    {
        var entries = new List<KeyValuePair<string, JsonNode?>>();
        Dictionary<string, int>? positions = null; // only for large mappings, where a linear search would be quadratic
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var k = parser.Current;
            if (k is not Scalar key)
            {
                throw new YamlException(k?.Start ?? Mark.Empty, k?.End ?? Mark.Empty, "mapping keys must be scalars");
            }

            parser.MoveNext();
            var value = ReadNode(parser, anchors);
            var at = IndexOf(entries, ref positions, key.Value);
            if (at >= 0)
            {
                entries[at] = new(key.Value, value);
            }
            else
            {
                positions?.Add(key.Value, entries.Count);
                entries.Add(new(key.Value, value));
            }
        }

        return new JsonObject(entries);
    }

    private static int IndexOf(List<KeyValuePair<string, JsonNode?>> entries, ref Dictionary<string, int>? positions, string key)
    {
        if (positions is null && entries.Count >= 32)
        {
            positions = new Dictionary<string, int>(StringComparer.Ordinal);
            for (var i = 0; i < entries.Count; i++)
            {
                positions[entries[i].Key] = i;
            }
        }

        if (positions is not null)
        {
            return positions.TryGetValue(key, out var at) ? at : -1;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            if (string.Equals(entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static JsonNode? ScalarToJson(YamlScalarNode scalar) => ScalarToJson(scalar.Value ?? "", scalar.Style);

    private static JsonNode? ScalarToJson(string text, ScalarStyle style)
    {
        if (style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return JsonValue.Create(l);
        }

        if (text.Length > 0 && (char.IsDigit(text[0]) || text[0] is '-' or '+' or '.')
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            return JsonValue.Create(d);
        }

        return JsonValue.Create(text);
    }

    /// <summary>Writes a JSON tree as block-style YAML, quoting strings that would otherwise read back as another type.</summary>
    public static string FromJson(JsonNode? node)
    {
        var sb = new StringBuilder();
        using var writer = new StringWriter(sb, CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return sb.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (k, v) in obj)
                {
                    EmitString(emitter, k);
                    Emit(emitter, v);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray arr:
                emitter.Emit(new SequenceStart(null, null, true, arr.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in arr)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue v:
                switch (v.GetValueKind())
                {
                    case JsonValueKind.String:
                        EmitString(emitter, v.GetValue<string>());
                        break;
                    case JsonValueKind.True:
                        emitter.Emit(new Scalar(null, null, "true", ScalarStyle.Plain, true, false));
                        break;
                    case JsonValueKind.False:
                        emitter.Emit(new Scalar(null, null, "false", ScalarStyle.Plain, true, false));
                        break;
                    default:
                        emitter.Emit(new Scalar(null, null, v.ToJsonString(), ScalarStyle.Plain, true, false));
                        break;
                }

                break;
        }
    }

    private static void EmitString(IEmitter emitter, string s)
    {
        // A string that a YAML reader would take for null, a bool or a number must be quoted.
        var plainWouldChangeType = ScalarToJson(new YamlScalarNode(s)) is not JsonValue jv || jv.GetValueKind() != JsonValueKind.String;
        var style = s.Contains('\n', StringComparison.Ordinal) ? ScalarStyle.Literal
            : plainWouldChangeType ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        emitter.Emit(new Scalar(null, null, s, style, true, true));
    }
}

/// <summary>Reads a range of a string, as a StringReader over a substring would, without the substring.</summary>
internal sealed class SliceReader(string text, int start, int length) : TextReader
{
    private readonly int _end = start + length;
    private int _position = start;

    public override int Peek() => _position < _end ? text[_position] : -1;

    public override int Read() => _position < _end ? text[_position++] : -1;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        var n = Math.Min(buffer.Length, _end - _position);
        text.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
}
