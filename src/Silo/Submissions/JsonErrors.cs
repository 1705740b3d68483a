using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Summarizer.Contracts;

namespace Summarizer.Silo.Submissions;

/// <summary>
/// Turns the serializer's errors about a submission body into answers that name the JSON field and what it must be,
/// in the API's own words: the serializer's messages name .NET types ("could not be converted to
/// System.Nullable`1[System.Int32]") and are never shown.
/// </summary>
internal static class JsonErrors
{
    /// <summary>What each field of a submission must be, by JSON path (<c>text</c>, <c>options.beams</c>, ...).</summary>
    private static readonly Dictionary<string, string> Expected = BuildExpected();

    /// <summary>The field at fault and a detail naming it.</summary>
    public static (string Field, string Detail) Describe(JsonException e)
    {
        // A syntax error is the body's, wherever the reader happened to stop.
        bool syntax = e.InnerException?.GetType().Name == "JsonReaderException";
        var field = syntax || e.Path is null or "$" ? "(body)" : e.Path.StartsWith("$.", StringComparison.Ordinal) ? e.Path[2..] : e.Path;
        var at = e.LineNumber is { } line && e.BytePositionInLine is { } position
            ? string.Create(CultureInfo.InvariantCulture, $" (line {line + 1}, byte {position + 1})")
            : "";
        string detail;
        if (syntax)
            detail = $"The body is not valid JSON{at}: {ReaderReason(e)}";
        else if (e.Message.StartsWith("The JSON property '", StringComparison.Ordinal))
            detail = $"Unknown field '{field}': a submission has only 'text' and 'options' ({string.Join(", ", Expected.Keys.Where(k => k.StartsWith("options.", StringComparison.Ordinal)).Select(k => k[8..]))}).";
        else if (e.Message.StartsWith("Duplicate property", StringComparison.Ordinal))
            detail = $"Field '{field}' appears more than once.";
        else if (e.InnerException?.Message.Contains("surrogate", StringComparison.Ordinal) == true)
            detail = $"'{field}' holds an unpaired UTF-16 surrogate escape (\\uD800-\\uDFFF without its other half){at}: it is not Unicode text.";
        else if (e.InnerException is null or InvalidOperationException or FormatException && Expected.TryGetValue(field, out var expected)
            && !e.Message.Contains("JSON payload", StringComparison.Ordinal))
            detail = $"'{field}' must be {expected}{at}.";
        else if (field == "(body)" && e.InnerException is null)
            detail = $"The body must be a JSON object {{\"text\": ..., \"options\": {{...}}}}{at}.";
        else
            detail = $"The body is not valid JSON{at}: {ReaderReason(e)}";
        return (field, detail);
    }

    /// <summary>The reader's own reason (about JSON tokens, never .NET types), without its position suffix.</summary>
    private static string ReaderReason(JsonException e)
    {
        var reason = e.InnerException?.Message ?? e.Message;
        int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0) cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        reason = cut > 0 ? reason[..cut] : reason;
        // Only reader messages are shown, and only when they name no .NET type.
        return reason.Contains("System.", StringComparison.Ordinal) || reason.Contains("convert", StringComparison.Ordinal) ? "malformed JSON." : reason;
    }

    private static Dictionary<string, string> BuildExpected()
    {
        var expected = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["(body)"] = "a JSON object {\"text\": ..., \"options\": {...}}",
            ["text"] = "a string",
            ["options"] = "an object",
        };
        foreach (var property in typeof(SummaryRequestOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
            expected["options." + JsonNamingPolicy.CamelCase.ConvertName(property.Name)] = Describe(property.PropertyType);
        return expected;
    }

    private static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
            return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => $"\"{JsonNamingPolicy.CamelCase.ConvertName(n)}\""));
        return Type.GetTypeCode(type) switch
        {
            TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => "an integer",
            TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
            TypeCode.String => "a string",
            TypeCode.Boolean => "true or false",
            _ => "an object",
        };
    }
}
