using System.Text.Json;
using System.Text.Json.Serialization;

namespace Summarizer.Silo.Json;

/// <summary>
/// Enums in the HTTP API's JSON: written as camelCase names (<c>"distributed"</c>, <c>"completed"</c>) and read from names
/// in any case. Numbers and unknown names are refused with a message that names the allowed values (and no .NET type),
/// so a request with <c>"decodeMode": "fastest"</c> gets a 400 naming the field and what it accepts.
/// </summary>
public sealed class NamedEnumConverter : JsonConverterFactory
{
    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    /// <inheritdoc />
    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<T> : JsonConverter<T> where T : struct, Enum
    {
        private static readonly string Allowed = string.Join(", ", Enum.GetNames<T>().Select(Name));

        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            foreach (var value in Enum.GetValues<T>())
                if (string.Equals(Name(value.ToString()), text, StringComparison.OrdinalIgnoreCase)) return value;
            throw new UnknownNameException($"must be one of {Allowed}; got {(text is null ? "a " + reader.TokenType.ToString().ToLowerInvariant() : $"'{text}'")}.");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) => writer.WriteStringValue(Name(value.ToString()));

        private static string Name(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);
    }
}

/// <summary>A JSON value that names none of an enum's values; <see cref="JsonException.Path"/> says which field.</summary>
public sealed class UnknownNameException(string message) : JsonException(message);
