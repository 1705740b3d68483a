using System.Text.Json;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>The fields of a checkpoint's <c>tokenizer_config.json</c> that change how ids are laid out or inputs built.</summary>
internal sealed record TokenizerConfigFile(
    string? TokenizerClass, int? ExtraIds, int? Offset, string? SourceLanguage, string? TargetLanguage, IReadOnlyList<AddedToken> AddedTokens)
{
    public const string FileName = "tokenizer_config.json";

    public static TokenizerConfigFile Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return new(null, null, null, null, null, []);
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"'{path}' must hold a JSON object.");

        string? Str(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        int? Int(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in decoder.EnumerateObject())
            {
                if (!int.TryParse(entry.Name, out int id) || !entry.Value.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"'{path}': added_tokens_decoder entry '{entry.Name}' needs an integer key and a string \"content\".");
                added.Add(new AddedToken(content.GetString()!, id, SentencePieceTokenizerLoader.Flag(entry.Value, "special"),
                    SentencePieceTokenizerLoader.Flag(entry.Value, "lstrip"), SentencePieceTokenizerLoader.Flag(entry.Value, "rstrip")));
            }
        }
        return new(Str("tokenizer_class"), Int("extra_ids"), Int("offset"), Str("src_lang"), Str("tgt_lang"), added);
    }
}
