using System.Text.Json;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Reads a Hugging Face tokenizer directory: either the slow-tokenizer pair
/// <c>vocab.json</c> + <c>merges.txt</c>, or the fast-tokenizer <c>tokenizer.json</c>.
/// </summary>
internal static class TokenizerDirectoryReader
{
    public const string VocabularyFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";
    public const string FastTokenizerFileName = "tokenizer.json";
    public const string SpecialTokensMapFileName = "special_tokens_map.json";
    public const string AddedTokensFileName = "added_tokens.json";

    public static BpeModelData Read(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory))
        {
            throw new DirectoryNotFoundException($"Tokenizer directory '{modelDirectory}' does not exist.");
        }

        var vocabPath = Path.Combine(modelDirectory, VocabularyFileName);
        var mergesPath = Path.Combine(modelDirectory, MergesFileName);
        var fastPath = Path.Combine(modelDirectory, FastTokenizerFileName);
        var names = ReadSpecialTokenNames(Path.Combine(modelDirectory, SpecialTokensMapFileName), out var stripLeftByName);

        if (File.Exists(vocabPath) && File.Exists(mergesPath))
        {
            var vocabulary = ReadVocabularyJson(vocabPath);
            var merges = ReadMergesText(mergesPath);
            var added = ReadAddedTokensJson(Path.Combine(modelDirectory, AddedTokensFileName));
            return new BpeModelData(vocabulary, merges, WithSpecialTokens(added, vocabulary, names, stripLeftByName), names);
        }

        if (File.Exists(fastPath))
        {
            return ReadFastTokenizerJson(fastPath, names, stripLeftByName);
        }

        throw new FileNotFoundException(
            $"No tokenizer found in '{modelDirectory}': expected '{VocabularyFileName}' and '{MergesFileName}', " +
            $"or '{FastTokenizerFileName}'.",
            vocabPath);
    }

    private static Dictionary<string, int> ReadVocabularyJson(string path)
    {
        using var document = ParseJson(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"'{path}' must hold a JSON object mapping tokens to ids.");
        }

        return ReadVocabularyObject(document.RootElement, path);
    }

    private static Dictionary<string, int> ReadVocabularyObject(JsonElement vocabularyObject, string path)
    {
        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabularyObject.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw new InvalidDataException($"'{path}': token '{entry.Name}' has id {entry.Value.GetRawText()}, expected a non-negative integer.");
            }

            vocabulary[entry.Name] = id;
        }

        return vocabulary;
    }

    private static List<string> ReadMergesText(string path)
    {
        var merges = new List<string>();
        int lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            // Only the first line can be the format header; "#" alone is a legitimate merge symbol.
            if ((lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) || line.Length == 0)
            {
                continue;
            }

            merges.Add(ValidatedMerge(line, path, lineNumber));
        }

        return merges;
    }

    private static string ValidatedMerge(string merge, string path, int position)
    {
        var parts = merge.Split(' ');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            throw new InvalidDataException($"'{path}': merge {position} ('{merge}') is not two symbols separated by one space.");
        }

        return merge;
    }

    private static BpeModelData ReadFastTokenizerJson(string path, BartSpecialTokenNames names, IReadOnlyDictionary<string, bool> stripLeftByName)
    {
        using var document = ParseJson(path);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"'{path}' has no \"model\" object.");
        }

        if (model.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "BPE")
        {
            throw new InvalidDataException($"'{path}': model.type is '{type.GetString()}', only 'BPE' is supported.");
        }

        if (!model.TryGetProperty("vocab", out var vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"'{path}': model.vocab is missing or not an object.");
        }

        if (!model.TryGetProperty("merges", out var mergesElement) || mergesElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"'{path}': model.merges is missing or not an array.");
        }

        var vocabulary = ReadVocabularyObject(vocabElement, path);
        var merges = new List<string>();
        int position = 0;
        foreach (var merge in mergesElement.EnumerateArray())
        {
            position++;
            // Older files store "a b" strings; newer ones store ["a", "b"] pairs.
            string text = merge.ValueKind switch
            {
                JsonValueKind.String => merge.GetString()!,
                JsonValueKind.Array when merge.GetArrayLength() == 2
                    && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String
                    => $"{merge[0].GetString()} {merge[1].GetString()}",
                _ => throw new InvalidDataException($"'{path}': model.merges[{position - 1}] is neither \"a b\" nor [\"a\", \"b\"]."),
            };
            merges.Add(ValidatedMerge(text, path, position));
        }

        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out var addedElement) && addedElement.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in addedElement.EnumerateArray())
            {
                if (!token.TryGetProperty("id", out var id) || !id.TryGetInt32(out int tokenId)
                    || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"'{path}': an entry of added_tokens lacks an integer \"id\" or a string \"content\".");
                }

                added.Add(new AddedToken(
                    content.GetString()!,
                    tokenId,
                    IsSpecial: ReadBool(token, "special"),
                    StripLeft: ReadBool(token, "lstrip"),
                    StripRight: ReadBool(token, "rstrip")));
            }
        }

        return new BpeModelData(vocabulary, merges, WithSpecialTokens(added, vocabulary, names, stripLeftByName), names);
    }

    /// <summary>
    /// Makes sure the BART special tokens present in the vocabulary are matched whole and
    /// flagged special, even when the files did not list them as added tokens.
    /// </summary>
    private static List<AddedToken> WithSpecialTokens(
        List<AddedToken> added, IReadOnlyDictionary<string, int> vocabulary, BartSpecialTokenNames names, IReadOnlyDictionary<string, bool> stripLeftByName)
    {
        var result = new List<AddedToken>();
        foreach (var token in added)
        {
            bool isSpecialRole = names.All.Contains(token.Content, StringComparer.Ordinal);
            result.Add(isSpecialRole ? token with { IsSpecial = true } : token);
        }

        foreach (var name in names.All)
        {
            if (result.Any(t => t.Content == name) || !vocabulary.TryGetValue(name, out int id))
            {
                continue;
            }

            // BART's <mask> swallows the space before it, so "a <mask>" encodes like "a<mask>".
            bool stripLeft = stripLeftByName.TryGetValue(name, out var configured) ? configured : name == names.Mask;
            result.Add(new AddedToken(name, id, IsSpecial: true, StripLeft: stripLeft));
        }

        return result;
    }

    private static List<AddedToken> ReadAddedTokensJson(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return ReadVocabularyJson(path).Select(pair => new AddedToken(pair.Key, pair.Value, IsSpecial: false)).ToList();
    }

    private static BartSpecialTokenNames ReadSpecialTokenNames(string path, out IReadOnlyDictionary<string, bool> stripLeftByName)
    {
        var stripLeft = new Dictionary<string, bool>(StringComparer.Ordinal);
        stripLeftByName = stripLeft;
        if (!File.Exists(path))
        {
            return BartSpecialTokenNames.Default;
        }

        using var document = ParseJson(path);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"'{path}' must hold a JSON object.");
        }

        string Name(string key, string fallback)
        {
            if (!document.RootElement.TryGetProperty(key, out var value))
            {
                return fallback;
            }

            // Values are either plain strings or serialized AddedToken objects.
            if (value.ValueKind == JsonValueKind.String)
            {
                return value.GetString()!;
            }

            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
            {
                var name = content.GetString()!;
                if (value.TryGetProperty("lstrip", out var lstrip) && lstrip.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    stripLeft[name] = lstrip.GetBoolean();
                }

                return name;
            }

            throw new InvalidDataException($"'{path}': \"{key}\" is neither a string nor an object with \"content\".");
        }

        var defaults = BartSpecialTokenNames.Default;
        return new BartSpecialTokenNames(
            Name("bos_token", defaults.Bos),
            Name("pad_token", defaults.Pad),
            Name("eos_token", defaults.Eos),
            Name("unk_token", defaults.Unk),
            Name("mask_token", defaults.Mask));
    }

    private static bool ReadBool(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.True;

    private static JsonDocument ParseJson(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }
}
