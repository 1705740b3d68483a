using System.Text.Json;
using Summarizer.Model.Configuration;
using Summarizer.Model.Tokenization.SentencePiece;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Loads whichever tokenizer a checkpoint directory ships: byte-level BPE (<c>vocab.json</c> + <c>merges.txt</c>, or a
/// byte-level BPE <c>tokenizer.json</c>: BART), a Unigram <c>tokenizer.json</c>, or a SentencePiece model file
/// (<c>spiece.model</c>: T5, mT5, PEGASUS; <c>sentencepiece.bpe.model</c>: mBART).
/// </summary>
public static class TokenizerLoader
{
    /// <summary>Loads the tokenizer of <paramref name="directory"/> for the model described by <paramref name="config"/>.</summary>
    /// <exception cref="FileNotFoundException">No tokenizer file is there; the message lists what is accepted.</exception>
    /// <exception cref="InvalidDataException">A tokenizer file is malformed (a SentencePiece file that is not a model, a bad JSON), named in the message.</exception>
    /// <exception cref="ArgumentException">A language code in <paramref name="options"/> or tokenizer_config.json is unknown.</exception>
    public static ITextTokenizer Load(string directory, ModelConfig config, TokenizerOptions? options = null)
    {
        options ??= TokenizerOptions.None;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Tokenizer directory '{directory}' does not exist.");
        bool hasModelFile = SentencePieceTokenizerLoader.ModelFileNames.Any(n => File.Exists(Path.Combine(directory, n)));
        if (File.Exists(Path.Combine(directory, TokenizerDirectoryReader.VocabularyFileName)) && File.Exists(Path.Combine(directory, TokenizerDirectoryReader.MergesFileName)))
            return BartTokenizer.Load(directory);

        var fastPath = Path.Combine(directory, TokenizerDirectoryReader.FastTokenizerFileName);
        if (File.Exists(fastPath))
        {
            JsonElement root;
            try
            {
                using var document = JsonDocument.Parse(File.ReadAllText(fastPath));
                root = document.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{fastPath}' is not valid JSON: {e.Message}", e);
            }
            var type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.Object
                && model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "BPE";
            bool byteLevel = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("decoder", out var decoder) && decoder.GetRawText().Contains("\"ByteLevel\"", StringComparison.Ordinal);
            switch (type)
            {
                case "Unigram":
                    return SentencePieceTokenizerLoader.FromTokenizerJson(fastPath, root, config.ModelType, config.VocabSize, options);
                case "BPE" when byteLevel || !hasModelFile:
                    return BartTokenizer.Load(directory);
                case "BPE":
                    break;   // a SentencePiece BPE converted to tokenizer.json: the .model file beside it is the source
                default:
                    throw new InvalidDataException($"'{fastPath}': model.type '{type}' is not supported; supported: byte-level BPE and Unigram (or ship spiece.model / sentencepiece.bpe.model).");
            }
        }

        if (hasModelFile) return SentencePieceTokenizerLoader.FromModelFile(directory, config.ModelType, config.VocabSize, options);
        throw new FileNotFoundException(
            $"No tokenizer found in '{directory}': expected '{TokenizerDirectoryReader.VocabularyFileName}' and '{TokenizerDirectoryReader.MergesFileName}', " +
            $"'{TokenizerDirectoryReader.FastTokenizerFileName}', '{SentencePieceTokenizerLoader.ModelFileNames[0]}' or '{SentencePieceTokenizerLoader.ModelFileNames[1]}'.",
            Path.Combine(directory, TokenizerDirectoryReader.FastTokenizerFileName));
    }
}
