using System.Text;
using System.Text.Json;
using Summarizer.Model.Checkpoints;

namespace Summarizer.Model.Configuration;

/// <summary>
/// Decoding parameters, resolved the way Hugging Face resolves them: from <c>generation_config.json</c> when the
/// model directory has one, otherwise from the legacy generation fields of config.json, then library defaults.
/// Special token ids the generation file leaves out are taken from config.json, where they are defined.
/// </summary>
public sealed class GenerationConfig
{
    /// <summary>The file name inside a model directory.</summary>
    public const string FileName = "generation_config.json";

    /// <summary>The file the parameters came from: generation_config.json, or config.json when it was absent.</summary>
    public string SourcePath { get; init; } = FileName;

    /// <summary><c>num_beams</c>: beam width; 1 means greedy search. Default 1.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary><c>length_penalty</c>: exponent of the length normalisation of beam scores. Default 1.0.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary><c>no_repeat_ngram_size</c>: n-grams of this size may occur only once; 0 disables. Default 0.</summary>
    public int NoRepeatNgramSize { get; init; }

    /// <summary><c>min_length</c>: minimum length of the decoder sequence, including the start token. Default 0.</summary>
    public int MinLength { get; init; }

    /// <summary><c>max_length</c>: maximum length of the decoder sequence, including the start token. Default 20.</summary>
    public int MaxLength { get; init; } = 20;

    /// <summary><c>max_new_tokens</c>: when set, overrides <see cref="MaxLength"/> as a count of generated tokens.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary><c>early_stopping</c>. Default <see cref="EarlyStoppingMode.Heuristic"/> (false).</summary>
    public EarlyStoppingMode EarlyStopping { get; init; } = EarlyStoppingMode.Heuristic;

    /// <summary><c>decoder_start_token_id</c>.</summary>
    public int DecoderStartTokenId { get; init; }

    /// <summary><c>bos_token_id</c>, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>: one or more tokens that end a sequence.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>, if any.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>forced_bos_token_id</c>: forced as the first generated token, if set.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary><c>forced_eos_token_id</c>: forced when the maximum length is reached, if set.</summary>
    public int? ForcedEosTokenId { get; init; }

    /// <summary>
    /// Resolves the generation parameters of the model in <paramref name="modelDirectory"/>, whose config.json
    /// has already been read into <paramref name="config"/>.
    /// </summary>
    /// <exception cref="CheckpointException">generation_config.json is unreadable or a field is invalid.</exception>
    public static GenerationConfig Load(string modelDirectory, ModelConfig config)
    {
        var path = Path.Combine(Path.GetFullPath(modelDirectory), FileName);
        return File.Exists(path) ? FromReader(JsonFieldReader.Load(path), config) : FromModelConfig(config);
    }

    /// <summary>Parses generation_config.json text; <paramref name="sourcePath"/> is named in error messages.</summary>
    /// <exception cref="CheckpointException">A field is mistyped or out of range.</exception>
    public static GenerationConfig Parse(string json, string sourcePath, ModelConfig config) =>
        FromReader(JsonFieldReader.Parse(json, sourcePath), config);

    /// <summary>The parameters used when there is no generation_config.json: legacy config.json fields, then defaults.</summary>
    public static GenerationConfig FromModelConfig(ModelConfig config)
    {
        var legacy = config.LegacyGeneration;
        var defaults = new GenerationConfig();
        return new GenerationConfig
        {
            SourcePath = config.SourcePath,
            NumBeams = legacy.NumBeams ?? defaults.NumBeams,
            LengthPenalty = legacy.LengthPenalty ?? defaults.LengthPenalty,
            NoRepeatNgramSize = legacy.NoRepeatNgramSize ?? defaults.NoRepeatNgramSize,
            MinLength = legacy.MinLength ?? defaults.MinLength,
            MaxLength = legacy.MaxLength ?? defaults.MaxLength,
            EarlyStopping = legacy.EarlyStopping ?? defaults.EarlyStopping,
            DecoderStartTokenId = config.DecoderStartTokenId,
            BosTokenId = config.BosTokenId,
            EosTokenIds = [config.EosTokenId],
            PadTokenId = config.PadTokenId,
            ForcedBosTokenId = config.ForcedBosTokenId,
            ForcedEosTokenId = config.ForcedEosTokenId,
        };
    }

    /// <summary>Writes a Hugging Face style generation_config.json that <see cref="Parse"/> reads back unchanged.</summary>
    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("num_beams", NumBeams);
            json.WriteNumber("length_penalty", LengthPenalty);
            json.WriteNumber("no_repeat_ngram_size", NoRepeatNgramSize);
            json.WriteNumber("min_length", MinLength);
            json.WriteNumber("max_length", MaxLength);
            if (MaxNewTokens is { } maxNewTokens)
            {
                json.WriteNumber("max_new_tokens", maxNewTokens);
            }

            WriteEarlyStopping(json, EarlyStopping);
            json.WriteNumber("decoder_start_token_id", DecoderStartTokenId);
            WriteOptional(json, "bos_token_id", BosTokenId);
            if (EosTokenIds.Count == 1)
            {
                json.WriteNumber("eos_token_id", EosTokenIds[0]);
            }
            else
            {
                json.WriteStartArray("eos_token_id");
                foreach (var id in EosTokenIds)
                {
                    json.WriteNumberValue(id);
                }

                json.WriteEndArray();
            }

            WriteOptional(json, "pad_token_id", PadTokenId);
            WriteOptional(json, "forced_bos_token_id", ForcedBosTokenId);
            WriteOptional(json, "forced_eos_token_id", ForcedEosTokenId);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static void WriteEarlyStopping(Utf8JsonWriter json, EarlyStoppingMode mode)
    {
        switch (mode)
        {
            case EarlyStoppingMode.Never:
                json.WriteString("early_stopping", "never");
                break;
            default:
                json.WriteBoolean("early_stopping", mode == EarlyStoppingMode.WhenBeamsComplete);
                break;
        }
    }

    private static GenerationConfig FromReader(JsonFieldReader reader, ModelConfig config)
    {
        // With a generation file present Hugging Face ignores config.json's legacy fields entirely.
        var settings = LegacyGenerationSettings.Read(reader);
        var defaults = new GenerationConfig();
        var maxNewTokens = reader.Int("max_new_tokens");
        if (maxNewTokens < 1)
        {
            throw reader.Error("max_new_tokens", $"must be at least 1, found {maxNewTokens}.");
        }

        var generation = new GenerationConfig
        {
            SourcePath = reader.Path,
            NumBeams = settings.NumBeams ?? defaults.NumBeams,
            LengthPenalty = settings.LengthPenalty ?? defaults.LengthPenalty,
            NoRepeatNgramSize = settings.NoRepeatNgramSize ?? defaults.NoRepeatNgramSize,
            MinLength = settings.MinLength ?? defaults.MinLength,
            MaxLength = settings.MaxLength ?? defaults.MaxLength,
            MaxNewTokens = maxNewTokens,
            EarlyStopping = settings.EarlyStopping ?? defaults.EarlyStopping,
            DecoderStartTokenId = reader.Int("decoder_start_token_id") ?? config.DecoderStartTokenId,
            BosTokenId = reader.IsPresent("bos_token_id") ? reader.Int("bos_token_id") : config.BosTokenId,
            EosTokenIds = reader.IntOrIntList("eos_token_id") ?? [config.EosTokenId],
            PadTokenId = reader.IsPresent("pad_token_id") ? reader.Int("pad_token_id") : config.PadTokenId,
            ForcedBosTokenId = reader.IsPresent("forced_bos_token_id") ? reader.Int("forced_bos_token_id") : config.ForcedBosTokenId,
            ForcedEosTokenId = reader.IsPresent("forced_eos_token_id") ? reader.Int("forced_eos_token_id") : config.ForcedEosTokenId,
        };

        generation.ValidateTokenIds(reader, config.VocabSize);
        return generation;
    }

    private void ValidateTokenIds(JsonFieldReader reader, int vocabSize)
    {
        void Check(string field, int? id)
        {
            if (id is { } value && (value < 0 || value >= vocabSize))
            {
                throw reader.Error(field, $"token id {value} is outside the vocabulary [0, {vocabSize}) of config.json.");
            }
        }

        Check("decoder_start_token_id", DecoderStartTokenId);
        Check("bos_token_id", BosTokenId);
        foreach (var id in EosTokenIds)
        {
            Check("eos_token_id", id);
        }

        Check("pad_token_id", PadTokenId);
        Check("forced_bos_token_id", ForcedBosTokenId);
        Check("forced_eos_token_id", ForcedEosTokenId);
    }

    private static void WriteOptional(Utf8JsonWriter json, string field, int? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(field, number);
        }
        else
        {
            json.WriteNull(field);
        }
    }
}
