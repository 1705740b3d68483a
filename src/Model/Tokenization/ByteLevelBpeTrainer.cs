using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Learns a small byte-level BPE vocabulary (GPT-2/BART style) from a text corpus, for building
/// tiny test checkpoints. Training is deterministic: the most frequent adjacent symbol pair is
/// merged first, ties going to the ordinally smallest (left, right) pair. Encoding is not done here;
/// the files written are read back by <see cref="BartTokenizer.Load"/> (and by Hugging Face).
/// </summary>
public static class ByteLevelBpeTrainer
{
    /// <summary>BART's context length, written to <c>tokenizer_config.json</c> by default.</summary>
    public const int DefaultModelMaxLength = 1024;

    // Pairs seen once carry no statistical evidence; merging them only memorises the corpus.
    private const int MinimumPairFrequency = 2;

    /// <summary>
    /// Trains and writes <c>vocab.json</c>, <c>merges.txt</c>, <c>special_tokens_map.json</c> and
    /// <c>tokenizer_config.json</c> into <paramref name="directory"/> (created if needed).
    /// </summary>
    /// <param name="texts">Training corpus.</param>
    /// <param name="vocabSize">Target size including the five special tokens and 256 byte symbols. The
    /// result is smaller when the corpus runs out of pairs seen at least twice.</param>
    /// <param name="directory">Output directory.</param>
    /// <param name="specialTokens">Special token names; BART's by default.</param>
    /// <param name="modelMaxLength">Maximum sequence length recorded in <c>tokenizer_config.json</c>.</param>
    public static void TrainToDirectory(
        IEnumerable<string> texts,
        int vocabSize,
        string directory,
        BartSpecialTokenNames? specialTokens = null,
        int modelMaxLength = DefaultModelMaxLength)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var names = specialTokens ?? BartSpecialTokenNames.Default;
        var trained = Train(texts, vocabSize, names);
        Directory.CreateDirectory(directory);
        WriteVocabulary(Path.Combine(directory, TokenizerDirectoryReader.VocabularyFileName), trained.Vocabulary);
        WriteMerges(Path.Combine(directory, TokenizerDirectoryReader.MergesFileName), trained.Merges);
        WriteSpecialTokensMap(Path.Combine(directory, TokenizerDirectoryReader.SpecialTokensMapFileName), names);
        WriteTokenizerConfig(Path.Combine(directory, "tokenizer_config.json"), names, modelMaxLength);
    }

    /// <summary>
    /// Trains in memory. Ids: bos, pad, eos, unk (0–3 with BART's names), the 256 byte symbols in
    /// GPT-2 order, merged tokens in merge order, and the mask token last.
    /// </summary>
    public static TrainedByteLevelBpe Train(IEnumerable<string> texts, int vocabSize, BartSpecialTokenNames? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var names = specialTokens ?? BartSpecialTokenNames.Default;
        const int fixedTokenCount = 5 + 256;
        if (vocabSize < fixedTokenCount)
        {
            throw new ArgumentOutOfRangeException(nameof(vocabSize), vocabSize, $"A byte-level BART vocabulary needs at least {fixedTokenCount} tokens (5 special + 256 bytes).");
        }

        var vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in new[] { names.Bos, names.Pad, names.Eos, names.Unk })
        {
            vocabulary.Add(name, vocabulary.Count);
        }

        var symbols = new SymbolTable();
        foreach (var value in ByteLevelAlphabet.BytesInVocabularyOrder)
        {
            var symbol = ByteLevelAlphabet.SymbolFor(value).ToString();
            symbols.Intern(symbol);
            vocabulary.Add(symbol, vocabulary.Count);
        }

        var merges = new List<string>();
        var learner = new PairMergeLearner(CountWords(texts), symbols);
        while (vocabulary.Count < vocabSize - 1 && learner.TryMergeMostFrequentPair(MinimumPairFrequency, out var left, out var right, out var merged))
        {
            merges.Add($"{left} {right}");
            // Two different merges can spell the same token; it keeps its first id.
            vocabulary.TryAdd(merged, vocabulary.Count);
        }

        vocabulary.Add(names.Mask, vocabulary.Count);
        return new TrainedByteLevelBpe(vocabulary, merges);
    }

    /// <summary>Pre-tokenizes with the GPT-2 regex and counts each distinct word piece.</summary>
    private static Dictionary<string, int> CountWords(IEnumerable<string> texts)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var regex = Gpt2PreTokenizerPattern.Regex();
        foreach (var text in texts)
        {
            foreach (var match in regex.EnumerateMatches(text))
            {
                var piece = text.AsSpan(match.Index, match.Length);
                lookup[piece] = lookup.TryGetValue(piece, out int count) ? count + 1 : 1;
            }
        }

        return counts;
    }

    private static void WriteVocabulary(string path, IReadOnlyDictionary<string, int> vocabulary)
    {
        WriteJson(path, writer =>
        {
            writer.WriteStartObject();
            foreach (var (token, id) in vocabulary.OrderBy(pair => pair.Value))
            {
                writer.WriteNumber(token, id);
            }

            writer.WriteEndObject();
        });
    }

    private static void WriteMerges(string path, IReadOnlyList<string> merges)
    {
        var text = new StringBuilder("#version: 0.2\n");
        foreach (var merge in merges)
        {
            // Every line ends in "\n": Hugging Face's slow tokenizer drops the file's last line.
            text.Append(merge).Append('\n');
        }

        File.WriteAllText(path, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private static void WriteSpecialTokensMap(string path, BartSpecialTokenNames names)
    {
        WriteJson(path, writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("bos_token", names.Bos);
            writer.WriteString("cls_token", names.Bos);
            writer.WriteString("eos_token", names.Eos);
            WriteMaskToken(writer, names.Mask);
            writer.WriteString("pad_token", names.Pad);
            writer.WriteString("sep_token", names.Eos);
            writer.WriteString("unk_token", names.Unk);
            writer.WriteEndObject();
        });
    }

    private static void WriteTokenizerConfig(string path, BartSpecialTokenNames names, int modelMaxLength)
    {
        WriteJson(path, writer =>
        {
            writer.WriteStartObject();
            writer.WriteBoolean("add_prefix_space", false);
            writer.WriteString("bos_token", names.Bos);
            writer.WriteBoolean("clean_up_tokenization_spaces", false);
            writer.WriteString("cls_token", names.Bos);
            writer.WriteString("eos_token", names.Eos);
            writer.WriteString("errors", "replace");
            WriteMaskToken(writer, names.Mask);
            writer.WriteNumber("model_max_length", modelMaxLength);
            writer.WriteString("pad_token", names.Pad);
            writer.WriteString("sep_token", names.Eos);
            writer.WriteString("tokenizer_class", "BartTokenizer");
            writer.WriteBoolean("trim_offsets", true);
            writer.WriteString("unk_token", names.Unk);
            writer.WriteEndObject();
        });
    }

    // BART's mask absorbs the space before it; Hugging Face records that as lstrip.
    private static void WriteMaskToken(Utf8JsonWriter writer, string mask)
    {
        writer.WriteStartObject("mask_token");
        writer.WriteString("content", mask);
        writer.WriteBoolean("lstrip", true);
        writer.WriteBoolean("normalized", false);
        writer.WriteBoolean("rstrip", false);
        writer.WriteBoolean("single_word", false);
        writer.WriteEndObject();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            // Keep byte-level symbols such as "Ġ" readable instead of \u escapes, like Hugging Face does.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        write(writer);
    }
}
