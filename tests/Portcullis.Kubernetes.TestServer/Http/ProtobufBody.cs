using System.Text;
using System.Text.Json.Nodes;
using Portcullis.Kubernetes.TestServer.Storage;

namespace Portcullis.Kubernetes.TestServer.Http;

/// <summary>
/// Decodes the Kubernetes protobuf envelope for the kinds kubectl creates in protobuf here: Secret
/// (`kubectl create secret tls`), ConfigMap and Namespace (`kubectl create namespace`). Only the fields a client sets on create are read (name,
/// generateName, namespace, labels, annotations, data, stringData, binaryData, type, immutable); any other field,
/// or any other kind, is a 415 so nothing is silently dropped.
/// </summary>
internal static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static readonly byte[] Magic = [0x6b, 0x38, 0x73, 0x00];

    public static JsonObject Decode(ReadOnlyMemory<byte> body)
    {
        if (body.Length < Magic.Length || !body.Span[..Magic.Length].SequenceEqual(Magic))
        {
            throw ApiException.BadRequest("protobuf body without the k8s envelope");
        }

        string? apiVersion = null, kind = null;
        ReadOnlyMemory<byte> raw = default;
        foreach (var (field, value) in Fields(body[Magic.Length..]))
        {
            switch (field)
            {
                case 1:
                    foreach (var (f, v) in Fields(value.Bytes))
                    {
                        (apiVersion, kind) = f == 1 ? (v.Text, kind) : f == 2 ? (apiVersion, v.Text) : (apiVersion, kind);
                    }

                    break;
                case 2:
                    raw = value.Bytes;
                    break;
            }
        }

        var obj = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
        switch ((apiVersion, kind))
        {
            case ("v1", "Secret"):
                ReadInto(obj, raw, field => field switch
                {
                    2 => ("data", Map.Base64),
                    3 => ("type", Map.None),
                    4 => ("stringData", Map.Text),
                    5 => ("immutable", Map.None),
                    _ => null,
                });
                break;
            case ("v1", "ConfigMap"):
                ReadInto(obj, raw, field => field switch
                {
                    2 => ("data", Map.Text),
                    3 => ("binaryData", Map.Base64),
                    4 => ("immutable", Map.None),
                    _ => null,
                });
                break;
            case ("v1", "Namespace"):
                // `kubectl create namespace` sends only a name; its spec (finalizers) and status (phase) are the
                // server's to fill, so what the client put there is not read.
                ReadInto(obj, raw, field => field switch
                {
                    2 => ("spec", Map.ServerOwned),
                    3 => ("status", Map.ServerOwned),
                    _ => null,
                });
                break;
            default:
                throw Unsupported($"{apiVersion} {kind}");
        }

        return obj;
    }

    private enum Map
    {
        None,
        ServerOwned,
        Text,
        Base64,
    }

    private static void ReadInto(JsonObject obj, ReadOnlyMemory<byte> raw, Func<int, (string Name, Map Map)?> schema)
    {
        foreach (var (field, value) in Fields(raw))
        {
            if (field == 1)
            {
                obj["metadata"] = ReadMetadata(value.Bytes);
                continue;
            }

            var (name, map) = schema(field) ?? throw Unsupported($"field {field}");
            switch (map)
            {
                case Map.ServerOwned:
                    break;
                case Map.None when name == "immutable":
                    obj[name] = value.Varint != 0;
                    break;
                case Map.None:
                    obj[name] = value.Text;
                    break;
                default:
                    var entries = obj[name] as JsonObject ?? [];
                    var (key, entry) = MapEntry(value.Bytes);
                    entries[key] = map == Map.Base64 ? Convert.ToBase64String(entry.Span) : Encoding.UTF8.GetString(entry.Span);
                    obj[name] = entries;
                    break;
            }
        }
    }

    private static JsonObject ReadMetadata(ReadOnlyMemory<byte> bytes)
    {
        var metadata = new JsonObject();
        foreach (var (field, value) in Fields(bytes))
        {
            switch (field)
            {
                case 1 or 2 or 3 when value.Bytes.Length == 0:
                    // proto3 writes empty strings; JSON clients would have left these out.
                    break;
                case 1:
                    metadata["name"] = value.Text;
                    break;
                case 2:
                    metadata["generateName"] = value.Text;
                    break;
                case 3:
                    metadata["namespace"] = value.Text;
                    break;
                case 11 or 12:
                    var mapName = field == 11 ? "labels" : "annotations";
                    var entries = metadata[mapName] as JsonObject ?? [];
                    var (key, entry) = MapEntry(value.Bytes);
                    entries[key] = Encoding.UTF8.GetString(entry.Span);
                    metadata[mapName] = entries;
                    break;
                case 4 or 5 or 6 or 7 or 8 or 17:
                    // selfLink, uid, resourceVersion, generation, creationTimestamp, managedFields: the server sets these.
                    break;
                default:
                    throw Unsupported($"metadata field {field}");
            }
        }

        return metadata;
    }

    private static (string Key, ReadOnlyMemory<byte> Value) MapEntry(ReadOnlyMemory<byte> bytes)
    {
        string key = "";
        ReadOnlyMemory<byte> value = default;
        foreach (var (field, v) in Fields(bytes))
        {
            if (field == 1)
            {
                key = v.Text;
            }
            else if (field == 2)
            {
                value = v.Bytes;
            }
        }

        return (key, value);
    }

    private readonly record struct Value(ulong Varint, ReadOnlyMemory<byte> Bytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes.Span);
    }

    private static IEnumerable<(int Field, Value Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message.Span, ref position);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    yield return (field, new Value(ReadVarint(message.Span, ref position), default));
                    break;
                case 2:
                    var length = (int)ReadVarint(message.Span, ref position);
                    if (length < 0 || position + length > message.Length)
                    {
                        throw ApiException.BadRequest("truncated protobuf body");
                    }

                    yield return (field, new Value(0, message.Slice(position, length)));
                    position += length;
                    break;
                default:
                    throw Unsupported($"protobuf wire type {tag & 7}");
            }
        }
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw ApiException.BadRequest("truncated protobuf body");
            }

            var b = span[position++];
            result |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw ApiException.BadRequest("malformed protobuf varint");
    }

    private static ApiException Unsupported(string what) =>
        new(415, "UnsupportedMediaType", $"this test server reads protobuf only for v1 Secret, ConfigMap and Namespace creation; unsupported: {what}");
}
