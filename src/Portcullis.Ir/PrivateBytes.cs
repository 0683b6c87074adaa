namespace Portcullis.Ir;

using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>
/// Key material. Never printed: ToString and JSON show only its length and a short digest,
/// so dumps, logs and golden files can tell two keys apart without revealing them.
/// </summary>
[JsonConverter(typeof(PrivateBytesJsonConverter))]
public sealed class PrivateBytes : IEquatable<PrivateBytes>
{
    private readonly byte[] _bytes;

    public PrivateBytes(ReadOnlySpan<byte> bytes) => _bytes = bytes.ToArray();

    public ReadOnlySpan<byte> Span => _bytes;

    public int Length => _bytes.Length;

    public bool Equals(PrivateBytes? other) =>
        other is not null && CryptographicOperations.FixedTimeEquals(_bytes, other._bytes);

    public override bool Equals(object? obj) => Equals(obj as PrivateBytes);

    public override int GetHashCode() => _bytes.Length;

    public override string ToString() => $"[redacted {_bytes.Length} bytes]";

    private sealed class PrivateBytesJsonConverter : JsonConverter<PrivateBytes>
    {
        public override PrivateBytes Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new JsonException("private bytes are never read from JSON");

        public override void Write(Utf8JsonWriter writer, PrivateBytes value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString());
    }
}
