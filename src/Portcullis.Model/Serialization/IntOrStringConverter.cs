namespace Portcullis.Model.Serialization;

using System.Text.Json;
using System.Text.Json.Serialization;
using Portcullis.Model.Core;

internal sealed class IntOrStringConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number => IntOrString.FromInt(reader.GetInt32()),
            JsonTokenType.String => IntOrString.FromString(SharedStringConverter.ReadShared(ref reader, StringTable.Shared)),
            _ => throw new JsonException("must be an integer or a string"),
        };

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.IntValue is { } i)
        {
            writer.WriteNumberValue(i);
        }
        else
        {
            writer.WriteStringValue(value.StringValue);
        }
    }
}
