namespace Portcullis.Model.Serialization;

using System.Text.Json;
using System.Text.Json.Serialization;

/// <summary>
/// Reads strings (values and dictionary keys) through <see cref="StringTable.Shared"/>, so recurring manifest values
/// are one instance each. Writing, and anything that is not a short string token, is exactly the built-in converter's.
/// </summary>
internal sealed class SharedStringConverter(StringTable table) : JsonConverter<string>
{
    public SharedStringConverter()
        : this(StringTable.Shared)
    {
    }

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? ReadShared(ref reader, table) : reader.GetString();

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.PropertyName ? ReadShared(ref reader, table) : base.ReadAsPropertyName(ref reader, typeToConvert, options);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    /// <summary>The current string or property name token, shared when short; validated and unescaped as GetString does.</summary>
    internal static string ReadShared(ref Utf8JsonReader reader, StringTable table)
    {
        // The UTF-8 (escaped) length bounds the unescaped length in chars, so the value fits the buffer.
        var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        if (length > StringTable.MaxLength)
        {
            return reader.GetString()!;
        }

        Span<char> chars = stackalloc char[StringTable.MaxLength];
        var n = reader.CopyString(chars);
        return table.Get(chars[..n]);
    }
}
