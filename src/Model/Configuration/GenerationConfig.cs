using System.Text;
using System.Text.Json;
using Summarizer.Model.Checkpoints;

namespace Summarizer.Model.Configuration;

/// <summary>
/// Decoding parameters, resolved the way Hugging Face resolves them: from <c>generation_config.json</c> alone when the
/// model directory has one (fields it leaves out take GenerationConfig's defaults, never config.json's values; the
/// decoder start falls back to the file's <c>bos_token_id</c>), otherwise from config.json (its special tokens and
/// legacy generation fields) over the library defaults.
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

    /// <summary><c>min_new_tokens</c>: when set, overrides <see cref="MinLength"/> as a count of generated tokens.</summary>
    public int? MinNewTokens { get; init; }

    /// <summary><c>early_stopping</c>. Default <see cref="EarlyStoppingMode.Heuristic"/> (false).</summary>
    public EarlyStoppingMode EarlyStopping { get; init; } = EarlyStoppingMode.Heuristic;

    /// <summary><c>decoder_start_token_id</c>.</summary>
    public int DecoderStartTokenId { get; init; }

    /// <summary><c>bos_token_id</c>, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>: one or more tokens that end a sequence.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>, if any (HF falls back to the first EOS id).</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>forced_bos_token_id</c>: forced as the first generated token, if set.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary><c>forced_eos_token_id</c>: one or more tokens forced when the maximum length is reached; empty for none.</summary>
    public IReadOnlyList<int> ForcedEosTokenIds { get; init; } = [];

    /// <summary>The first forced EOS token, if any.</summary>
    public int? ForcedEosTokenId => ForcedEosTokenIds.Count > 0 ? ForcedEosTokenIds[0] : null;

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
            ForcedEosTokenIds = config.ForcedEosTokenId is { } forced ? [forced] : [],
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

            if (MinNewTokens is { } minNewTokens)
            {
                json.WriteNumber("min_new_tokens", minNewTokens);
            }

            WriteEarlyStopping(json, EarlyStopping);
            json.WriteNumber("decoder_start_token_id", DecoderStartTokenId);
            WriteOptional(json, "bos_token_id", BosTokenId);
            WriteIdList(json, "eos_token_id", EosTokenIds);
            WriteOptional(json, "pad_token_id", PadTokenId);
            WriteOptional(json, "forced_bos_token_id", ForcedBosTokenId);
            WriteIdList(json, "forced_eos_token_id", ForcedEosTokenIds);
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
        // With a generation file present Hugging Face uses it alone: config.json's legacy fields and special tokens
        // are not consulted, and whatever the file omits takes GenerationConfig's defaults.
        var settings = LegacyGenerationSettings.Read(reader);
        var defaults = new GenerationConfig();
        var maxNewTokens = reader.Int("max_new_tokens");
        if (maxNewTokens < 1)
        {
            throw reader.Error("max_new_tokens", $"must be at least 1, found {maxNewTokens}.");
        }

        var minNewTokens = reader.Int("min_new_tokens");
        if (minNewTokens < 0)
        {
            throw reader.Error("min_new_tokens", $"must not be negative, found {minNewTokens}.");
        }

        var bos = reader.Int("bos_token_id");
        var decoderStart = reader.Int("decoder_start_token_id") ?? bos
            ?? throw reader.Error("decoder_start_token_id", "is missing and so is bos_token_id: an encoder-decoder model needs one of them to start decoding (HF reads only this file when it exists).");
        var eos = reader.IntOrIntList("eos_token_id") ?? [];
        var generation = new GenerationConfig
        {
            SourcePath = reader.Path,
            NumBeams = settings.NumBeams ?? defaults.NumBeams,
            LengthPenalty = settings.LengthPenalty ?? defaults.LengthPenalty,
            NoRepeatNgramSize = settings.NoRepeatNgramSize ?? defaults.NoRepeatNgramSize,
            MinLength = settings.MinLength ?? defaults.MinLength,
            MaxLength = settings.MaxLength ?? defaults.MaxLength,
            MaxNewTokens = maxNewTokens,
            MinNewTokens = minNewTokens,
            EarlyStopping = settings.EarlyStopping ?? defaults.EarlyStopping,
            DecoderStartTokenId = decoderStart,
            BosTokenId = bos,
            EosTokenIds = eos,
            PadTokenId = reader.Int("pad_token_id") ?? (eos.Count > 0 ? eos[0] : null),
            ForcedBosTokenId = reader.Int("forced_bos_token_id"),
            ForcedEosTokenIds = reader.IntOrIntList("forced_eos_token_id") ?? [],
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
        foreach (var id in ForcedEosTokenIds)
        {
            Check("forced_eos_token_id", id);
        }
    }

    private static void WriteIdList(Utf8JsonWriter json, string field, IReadOnlyList<int> ids)
    {
        if (ids.Count == 0)
        {
            json.WriteNull(field);
        }
        else if (ids.Count == 1)
        {
            json.WriteNumber(field, ids[0]);
        }
        else
        {
            json.WriteStartArray(field);
            foreach (var id in ids)
            {
                json.WriteNumberValue(id);
            }

            json.WriteEndArray();
        }
    }

    internal static void WriteOptional(Utf8JsonWriter json, string field, int? value)
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
