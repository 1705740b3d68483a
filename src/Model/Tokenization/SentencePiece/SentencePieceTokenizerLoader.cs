using System.Text.Json;
using Summarizer.Model.Documents;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>Languages for mBART's tokenizers (<c>src_lang</c>, <c>tgt_lang</c>); null keeps the checkpoint's tokenizer_config.json.</summary>
/// <param name="SourceLanguage">The document's language code, e.g. "en_XX".</param>
/// <param name="TargetLanguage">The summary's language code, forced as the first generated token.</param>
public sealed record TokenizerOptions(string? SourceLanguage = null, string? TargetLanguage = null)
{
    /// <summary>No overrides.</summary>
    public static TokenizerOptions None { get; } = new();
}

/// <summary>
/// Loads a SentencePiece tokenizer from a checkpoint directory: a Unigram <c>tokenizer.json</c> (as HF's fast
/// tokenizers prefer it), else <c>spiece.model</c> or <c>sentencepiece.bpe.model</c>, with the layout of the tokenizer
/// class named in <c>tokenizer_config.json</c> or implied by <c>model_type</c>.
/// </summary>
internal static class SentencePieceTokenizerLoader
{
    public static readonly string[] ModelFileNames = ["spiece.model", "sentencepiece.bpe.model"];

    public static SentencePieceTextTokenizer FromModelFile(string directory, string modelType, int configVocabSize, TokenizerOptions options)
    {
        var path = ModelFileNames.Select(n => Path.Combine(directory, n)).First(File.Exists);
        var model = SentencePieceModelProto.Parse(File.ReadAllBytes(path), path);
        var settings = TokenizerConfigFile.Read(directory);
        var family = Family(settings.TokenizerClass, modelType, model.Pieces.Count, configVocabSize);
        return new SentencePieceTextTokenizer(model, Layout(family, model, settings, options, path), path);
    }

    public static SentencePieceTextTokenizer FromTokenizerJson(string path, JsonElement root, string modelType, int configVocabSize, TokenizerOptions options)
    {
        var model = root.GetProperty("model");
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"'{path}': model.vocab of a Unigram model must be an array of [piece, score] pairs.");
        int unk = model.TryGetProperty("unk_id", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : 0;
        var added = ReadAddedTokens(root, path);
        var specialIds = added.Where(a => a.IsSpecial).Select(a => a.Id).ToHashSet();
        var pieces = new List<(string, float, PieceType)>();
        foreach (var entry in vocab.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Array || entry.GetArrayLength() != 2 || entry[0].ValueKind != JsonValueKind.String || entry[1].ValueKind != JsonValueKind.Number)
                throw new InvalidDataException($"'{path}': model.vocab[{pieces.Count}] is not a [piece, score] pair.");
            int id = pieces.Count;
            var type = id == unk ? PieceType.Unknown : specialIds.Contains(id) ? PieceType.Control : PieceType.Normal;
            pieces.Add((entry[0].GetString()!, entry[1].GetSingle(), type));
        }
        if (unk < 0 || unk >= pieces.Count) throw new InvalidDataException($"'{path}': model.unk_id {unk} is outside its {pieces.Count} pieces.");
        var charsMap = root.TryGetProperty("normalizer", out var normalizer) ? FindCharsMap(normalizer) : [];
        bool prefix = !root.TryGetProperty("pre_tokenizer", out var pre) || !pre.GetRawText().Contains("\"never\"", StringComparison.Ordinal);
        var proto = SentencePieceModelProto.FromUnigram(pieces, unk, prefix, charsMap);
        var settings = TokenizerConfigFile.Read(Path.GetDirectoryName(path)!);
        var family = Family(settings.TokenizerClass, modelType, pieces.Count, configVocabSize);
        var layout = Layout(family, proto, settings, options, path) with { Offset = 0, AddedTokens = added, UnkTokenId = unk };
        return new SentencePieceTextTokenizer(proto, layout, path);
    }

    /// <summary>The base64 <c>precompiled_charsmap</c> of a Precompiled normalizer, alone or inside a Sequence.</summary>
    private static byte[] FindCharsMap(JsonElement normalizer)
    {
        if (normalizer.ValueKind != JsonValueKind.Object) return [];
        if (normalizer.TryGetProperty("precompiled_charsmap", out var map) && map.ValueKind == JsonValueKind.String)
            return Convert.FromBase64String(map.GetString()!);
        if (normalizer.TryGetProperty("normalizers", out var list) && list.ValueKind == JsonValueKind.Array)
            foreach (var inner in list.EnumerateArray())
                if (FindCharsMap(inner) is { Length: > 0 } found) return found;
        return [];
    }

    private static SentencePieceFamily Family(string? tokenizerClass, string modelType, int pieces, int configVocabSize)
    {
        var name = tokenizerClass?.Replace("Fast", "", StringComparison.Ordinal);
        return name switch
        {
            "T5Tokenizer" => SentencePieceFamily.T5,
            "PegasusTokenizer" => SentencePieceFamily.Pegasus,
            "MBart50Tokenizer" => SentencePieceFamily.MBart50,
            "MBartTokenizer" => SentencePieceFamily.MBart,
            _ => modelType switch
            {
                "pegasus" => SentencePieceFamily.Pegasus,
                // mBART-50 adds 52 codes and <mask> after the fairseq-shifted pieces; cc25 adds 25.
                "mbart" => configVocabSize == pieces + 1 + MBartLanguageCodes.Fifty.Length + 1 ? SentencePieceFamily.MBart50 : SentencePieceFamily.MBart,
                _ => SentencePieceFamily.T5,
            },
        };
    }

    private static SentencePieceLayout Layout(SentencePieceFamily family, SentencePieceModelProto model, TokenizerConfigFile settings, TokenizerOptions options, string origin)
    {
        int pieces = model.Pieces.Count;
        static InputTemplate EosOnly(SentencePieceTextTokenizer t) => new([], [t.EosTokenId]);
        switch (family)
        {
            case SentencePieceFamily.Pegasus:
            {
                int offset = settings.Offset ?? 103;
                var added = new List<AddedToken> { new("<pad>", 0, true), new("</s>", 1, true), new("<mask_1>", 2, true), new("<mask_2>", 3, true) };
                for (int i = 2; i < offset; i++) added.Add(new AddedToken($"<unk_{i}>", added.Count, true));
                return new SentencePieceLayout(offset, Merge(added, settings.AddedTokens), model.UnkId + offset, "</s>", "<pad>", EosOnly);
            }
            case SentencePieceFamily.MBart50:
            case SentencePieceFamily.MBart:
            {
                var codes = family == SentencePieceFamily.MBart50 ? MBartLanguageCodes.Fifty : MBartLanguageCodes.CC25;
                var added = new List<AddedToken> { new("<s>", 0, true), new("<pad>", 1, true), new("</s>", 2, true), new("<unk>", 3, true) };
                added.AddRange(codes.Select((code, i) => new AddedToken(code, pieces + 1 + i, true)));
                added.Add(new AddedToken("<mask>", pieces + 1 + codes.Length, true, StripLeft: true));
                var source = options.SourceLanguage ?? settings.SourceLanguage ?? "en_XX";
                var target = options.TargetLanguage ?? settings.TargetLanguage;
                foreach (var (field, code) in new[] { ("src_lang", source), ("tgt_lang", target) })
                {
                    if (code is not null && !codes.Contains(code))
                        throw new ArgumentException($"{field} '{code}' is not a language code of this tokenizer ({origin}); expected one of {string.Join(", ", codes)}.", field);
                }
                return new SentencePieceLayout(1, Merge(added, settings.AddedTokens), 3, "</s>", "<pad>",
                    t => family == SentencePieceFamily.MBart50
                        ? new InputTemplate([t.TokenToId(source)!.Value], [t.EosTokenId])
                        : new InputTemplate([], [t.EosTokenId, t.TokenToId(source)!.Value]),
                    target);
            }
            default:
            {
                // T5Tokenizer's sentinels: <extra_id_0> is the last id, <extra_id_{n-1}> follows the pieces.
                int extra = settings.ExtraIds ?? 100;
                var added = Enumerable.Range(0, extra).Select(i => new AddedToken($"<extra_id_{i}>", pieces + extra - 1 - i, true)).ToList();
                return new SentencePieceLayout(0, Merge(added, settings.AddedTokens), null, "</s>", "<pad>", EosOnly);
            }
        }
    }

    private static IReadOnlyList<AddedToken> Merge(List<AddedToken> defaults, IReadOnlyList<AddedToken> declared)
    {
        if (declared.Count == 0) return defaults;
        var byId = defaults.ToDictionary(t => t.Id);
        foreach (var token in declared) byId[token.Id] = token;
        return byId.Values.OrderBy(t => t.Id).ToList();
    }

    internal static List<AddedToken> ReadAddedTokens(JsonElement root, string path)
    {
        var added = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var array) || array.ValueKind != JsonValueKind.Array) return added;
        foreach (var token in array.EnumerateArray())
        {
            if (!token.TryGetProperty("id", out var id) || !id.TryGetInt32(out int tokenId)
                || !token.TryGetProperty("content", out var content) || content.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"'{path}': an entry of added_tokens lacks an integer \"id\" or a string \"content\".");
            added.Add(new AddedToken(content.GetString()!, tokenId, Flag(token, "special"), Flag(token, "lstrip"), Flag(token, "rstrip")));
        }
        return added;
    }

    internal static bool Flag(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;
}
