using System.Text.Json;
using System.Text.Json.Serialization;

namespace RandSac.Training;

/// <summary>Reads a precision by every name <see cref="Precisions.Parse"/> knows (fp32, float32, bf16, bfloat16) and writes its short name.</summary>
public sealed class PrecisionJsonConverter : JsonConverter<Precision>
{
    public override Precision Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"a precision is a name ({Precisions.Help})");
        try
        {
            return Precisions.Parse(reader.GetString()!);
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, Precision value, JsonSerializerOptions options) => writer.WriteStringValue(value.Name());
}
