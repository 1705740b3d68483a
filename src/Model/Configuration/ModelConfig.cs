using System.Text;
using System.Text.Json;
using Summarizer.Model.Checkpoints;

namespace Summarizer.Model.Configuration;

/// <summary>
/// The architecture described by a Hugging Face <c>config.json</c> for the BART family (bart, mbart, pegasus).
/// Family defaults come from <c>model_type</c>; fields present in the file override them.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>The usual file name inside a model directory.</summary>
    public const string FileName = "config.json";

    /// <summary>The file this configuration was read from, used in error messages.</summary>
    public string SourcePath { get; init; } = FileName;

    /// <summary><c>model_type</c>: "bart", "mbart" or "pegasus".</summary>
    public string ModelType { get; init; } = "bart";

    /// <summary><c>d_model</c>: hidden size of embeddings and all layers.</summary>
    public int DModel { get; init; }

    /// <summary><c>encoder_layers</c>.</summary>
    public int EncoderLayers { get; init; }

    /// <summary><c>decoder_layers</c>.</summary>
    public int DecoderLayers { get; init; }

    /// <summary><c>encoder_attention_heads</c>.</summary>
    public int EncoderAttentionHeads { get; init; }

    /// <summary><c>decoder_attention_heads</c>.</summary>
    public int DecoderAttentionHeads { get; init; }

    /// <summary><c>encoder_ffn_dim</c>: inner size of the encoder feed-forward blocks.</summary>
    public int EncoderFfnDim { get; init; }

    /// <summary><c>decoder_ffn_dim</c>: inner size of the decoder feed-forward blocks.</summary>
    public int DecoderFfnDim { get; init; }

    /// <summary><c>vocab_size</c>.</summary>
    public int VocabSize { get; init; }

    /// <summary><c>max_position_embeddings</c>: the longest sequence the position embeddings cover.</summary>
    public int MaxPositionEmbeddings { get; init; }

    /// <summary><c>activation_function</c>.</summary>
    public ActivationFunction ActivationFunction { get; init; } = ActivationFunction.Gelu;

    /// <summary><c>normalize_before</c>: layer norm before (pre-norm) rather than after each sub-layer.</summary>
    public bool NormalizeBefore { get; init; }

    /// <summary><c>scale_embedding</c>: multiply token embeddings by sqrt(d_model).</summary>
    public bool ScaleEmbedding { get; init; }

    /// <summary><c>add_final_layer_norm</c>: a layer norm after the last encoder and decoder layer.</summary>
    public bool AddFinalLayerNorm { get; init; }

    /// <summary><c>static_position_embeddings</c>: fixed sinusoidal positions instead of learned ones.</summary>
    public bool StaticPositionEmbeddings { get; init; }

    /// <summary><c>pad_token_id</c>.</summary>
    public int PadTokenId { get; init; }

    /// <summary><c>bos_token_id</c>; Pegasus has none.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>.</summary>
    public int EosTokenId { get; init; }

    /// <summary><c>decoder_start_token_id</c>: the first decoder input; falls back to <c>bos_token_id</c> when the file and family give none.</summary>
    public int DecoderStartTokenId { get; init; }

    /// <summary><c>forced_bos_token_id</c>: token forced as the first generated one, if any.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary><c>forced_eos_token_id</c>: token forced when the maximum length is reached, if any.</summary>
    public int? ForcedEosTokenId { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the output projection shares the token embedding matrix (default true).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary><c>layer_norm_eps</c>; BART-family configs omit it and use PyTorch's 1e-5.</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary><c>init_std</c>: standard deviation for random initialisation.</summary>
    public double InitStd { get; init; } = 0.02;

    /// <summary><c>dropout</c>; kept for round-tripping, unused at inference.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary>Generation parameters stored in config.json by older checkpoints.</summary>
    public LegacyGenerationSettings LegacyGeneration { get; init; } = LegacyGenerationSettings.None;

    /// <summary>Whether a layer norm follows the embeddings (<c>layernorm_embedding</c>): true for bart and mbart, false for pegasus.</summary>
    public bool HasLayerNormEmbedding => ModelFamily.Find(ModelType)?.HasLayerNormEmbedding ?? false;

    /// <summary>Offset added to positions before the embedding lookup: 2 for learned positions (a fairseq legacy), 0 for static ones.</summary>
    public int PositionOffset => StaticPositionEmbeddings ? 0 : 2;

    /// <summary>Multiplier applied to token embeddings: sqrt(d_model) when <see cref="ScaleEmbedding"/>, else 1.</summary>
    public double EmbeddingScale => ScaleEmbedding ? Math.Sqrt(DModel) : 1.0;

    /// <summary>Size of one encoder attention head (0 until the head count is set).</summary>
    public int EncoderHeadDim => EncoderAttentionHeads > 0 ? DModel / EncoderAttentionHeads : 0;

    /// <summary>Size of one decoder attention head (0 until the head count is set).</summary>
    public int DecoderHeadDim => DecoderAttentionHeads > 0 ? DModel / DecoderAttentionHeads : 0;

    private ModelFamily Family =>
        ModelFamily.Find(ModelType) ?? throw new CheckpointException(SourcePath, "model_type", UnsupportedModelTypeMessage(ModelType));

    /// <summary>Reads and validates the config.json at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is unreadable, or a field is missing, mistyped or out of range.</exception>
    public static ModelConfig Load(string path) => FromReader(JsonFieldReader.Load(Path.GetFullPath(path)));

    /// <summary>Parses and validates config.json text; <paramref name="sourcePath"/> is named in error messages.</summary>
    /// <exception cref="CheckpointException">A field is missing, mistyped or out of range.</exception>
    public static ModelConfig Parse(string json, string sourcePath) => FromReader(JsonFieldReader.Parse(json, sourcePath));

    /// <summary>Family defaults for <paramref name="modelType"/>, with every size still zero; set them with <c>with</c> and call <see cref="Validate"/>.</summary>
    /// <exception cref="CheckpointException"><paramref name="modelType"/> is not supported.</exception>
    public static ModelConfig ForFamily(string modelType)
    {
        var family = ModelFamily.Find(modelType) ?? throw new CheckpointException(FileName, "model_type", UnsupportedModelTypeMessage(modelType));
        return new ModelConfig
        {
            ModelType = family.ModelType,
            NormalizeBefore = family.NormalizeBefore,
            AddFinalLayerNorm = family.AddFinalLayerNorm,
            ScaleEmbedding = family.ScaleEmbedding,
            StaticPositionEmbeddings = family.StaticPositionEmbeddings,
            PadTokenId = family.PadTokenId,
            BosTokenId = family.BosTokenId,
            EosTokenId = family.EosTokenId,
            DecoderStartTokenId = family.DecoderStartTokenId ?? family.BosTokenId ?? 0,
            ForcedEosTokenId = family.ForcedEosTokenId,
        };
    }

    /// <summary>Checks the invariants the model relies on.</summary>
    /// <exception cref="CheckpointException">Naming <see cref="SourcePath"/> and the offending field.</exception>
    public void Validate()
    {
        _ = Family;
        RequirePositive("d_model", DModel);
        RequirePositive("encoder_layers", EncoderLayers);
        RequirePositive("decoder_layers", DecoderLayers);
        RequirePositive("encoder_attention_heads", EncoderAttentionHeads);
        RequirePositive("decoder_attention_heads", DecoderAttentionHeads);
        RequirePositive("encoder_ffn_dim", EncoderFfnDim);
        RequirePositive("decoder_ffn_dim", DecoderFfnDim);
        RequirePositive("vocab_size", VocabSize);
        RequirePositive("max_position_embeddings", MaxPositionEmbeddings);
        RequireDivisible("encoder_attention_heads", EncoderAttentionHeads);
        RequireDivisible("decoder_attention_heads", DecoderAttentionHeads);
        RequireTokenId("pad_token_id", PadTokenId);
        RequireTokenId("bos_token_id", BosTokenId);
        RequireTokenId("eos_token_id", EosTokenId);
        RequireTokenId("decoder_start_token_id", DecoderStartTokenId);
        RequireTokenId("forced_bos_token_id", ForcedBosTokenId);
        RequireTokenId("forced_eos_token_id", ForcedEosTokenId);
        if (!(LayerNormEps > 0) || !double.IsFinite(LayerNormEps))
        {
            throw new CheckpointException(SourcePath, "layer_norm_eps", $"must be a positive number, found {LayerNormEps}.");
        }
    }

    /// <summary>Writes this configuration as a Hugging Face style config.json that <see cref="Parse"/> reads back unchanged.</summary>
    public string ToJson()
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model_type", ModelType);
            json.WriteStartArray("architectures");
            json.WriteStringValue(Family.Architecture);
            json.WriteEndArray();
            json.WriteBoolean("is_encoder_decoder", true);
            json.WriteNumber("d_model", DModel);
            json.WriteNumber("encoder_layers", EncoderLayers);
            json.WriteNumber("decoder_layers", DecoderLayers);
            json.WriteNumber("encoder_attention_heads", EncoderAttentionHeads);
            json.WriteNumber("decoder_attention_heads", DecoderAttentionHeads);
            json.WriteNumber("encoder_ffn_dim", EncoderFfnDim);
            json.WriteNumber("decoder_ffn_dim", DecoderFfnDim);
            json.WriteNumber("vocab_size", VocabSize);
            json.WriteNumber("max_position_embeddings", MaxPositionEmbeddings);
            json.WriteString("activation_function", ActivationFunctionNames.ToName(ActivationFunction));
            json.WriteBoolean("normalize_before", NormalizeBefore);
            json.WriteBoolean("scale_embedding", ScaleEmbedding);
            json.WriteBoolean("add_final_layer_norm", AddFinalLayerNorm);
            json.WriteBoolean("static_position_embeddings", StaticPositionEmbeddings);
            json.WriteNumber("pad_token_id", PadTokenId);
            WriteOptional(json, "bos_token_id", BosTokenId);
            json.WriteNumber("eos_token_id", EosTokenId);
            json.WriteNumber("decoder_start_token_id", DecoderStartTokenId);
            WriteOptional(json, "forced_bos_token_id", ForcedBosTokenId);
            WriteOptional(json, "forced_eos_token_id", ForcedEosTokenId);
            json.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            json.WriteNumber("layer_norm_eps", LayerNormEps);
            json.WriteNumber("init_std", InitStd);
            json.WriteNumber("dropout", Dropout);
            WriteLegacyGeneration(json, LegacyGeneration);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static string UnsupportedModelTypeMessage(string modelType) =>
        $"'{modelType}' is not supported; supported model types: {ModelFamily.SupportedList}.";

    private static ModelConfig FromReader(JsonFieldReader reader)
    {
        var modelType = reader.String("model_type") ?? throw reader.Error("model_type", $"is required but missing; supported model types: {ModelFamily.SupportedList}.");
        var family = ModelFamily.Find(modelType) ?? throw reader.Error("model_type", UnsupportedModelTypeMessage(modelType));

        var activationName = reader.String("activation_function") ?? "gelu";
        var activation = ActivationFunctionNames.FromName(activationName)
            ?? throw reader.Error("activation_function", $"'{activationName}' is not supported; supported: {ActivationFunctionNames.SupportedList}.");

        var bosTokenId = reader.IsPresent("bos_token_id") ? reader.Int("bos_token_id") : family.BosTokenId;
        var decoderStart = reader.Int("decoder_start_token_id") ?? family.DecoderStartTokenId ?? bosTokenId
            ?? throw reader.Error("decoder_start_token_id", "is missing and there is no bos_token_id to start decoding with.");

        var config = new ModelConfig
        {
            SourcePath = reader.Path,
            ModelType = family.ModelType,
            DModel = reader.RequiredInt("d_model"),
            EncoderLayers = reader.RequiredInt("encoder_layers"),
            DecoderLayers = reader.RequiredInt("decoder_layers"),
            EncoderAttentionHeads = reader.RequiredInt("encoder_attention_heads"),
            DecoderAttentionHeads = reader.RequiredInt("decoder_attention_heads"),
            EncoderFfnDim = reader.RequiredInt("encoder_ffn_dim"),
            DecoderFfnDim = reader.RequiredInt("decoder_ffn_dim"),
            VocabSize = reader.RequiredInt("vocab_size"),
            MaxPositionEmbeddings = reader.RequiredInt("max_position_embeddings"),
            ActivationFunction = activation,
            NormalizeBefore = reader.Bool("normalize_before") ?? family.NormalizeBefore,
            ScaleEmbedding = reader.Bool("scale_embedding") ?? family.ScaleEmbedding,
            AddFinalLayerNorm = reader.Bool("add_final_layer_norm") ?? family.AddFinalLayerNorm,
            StaticPositionEmbeddings = reader.Bool("static_position_embeddings") ?? family.StaticPositionEmbeddings,
            PadTokenId = reader.Int("pad_token_id") ?? family.PadTokenId,
            BosTokenId = bosTokenId,
            EosTokenId = reader.Int("eos_token_id") ?? family.EosTokenId,
            DecoderStartTokenId = decoderStart,
            ForcedBosTokenId = reader.Int("forced_bos_token_id"),
            ForcedEosTokenId = reader.IsPresent("forced_eos_token_id") ? reader.Int("forced_eos_token_id") : family.ForcedEosTokenId,
            TieWordEmbeddings = reader.Bool("tie_word_embeddings") ?? true,
            LayerNormEps = reader.Double("layer_norm_eps") ?? 1e-5,
            InitStd = reader.Double("init_std") ?? 0.02,
            Dropout = reader.Double("dropout") ?? 0.1,
            LegacyGeneration = LegacyGenerationSettings.Read(reader),
        };

        config.Validate();
        return config;
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

    private static void WriteLegacyGeneration(Utf8JsonWriter json, LegacyGenerationSettings legacy)
    {
        if (legacy.NumBeams is { } numBeams)
        {
            json.WriteNumber("num_beams", numBeams);
        }

        if (legacy.LengthPenalty is { } lengthPenalty)
        {
            json.WriteNumber("length_penalty", lengthPenalty);
        }

        if (legacy.NoRepeatNgramSize is { } noRepeat)
        {
            json.WriteNumber("no_repeat_ngram_size", noRepeat);
        }

        if (legacy.MinLength is { } minLength)
        {
            json.WriteNumber("min_length", minLength);
        }

        if (legacy.MaxLength is { } maxLength)
        {
            json.WriteNumber("max_length", maxLength);
        }

        if (legacy.EarlyStopping is { } earlyStopping)
        {
            GenerationConfig.WriteEarlyStopping(json, earlyStopping);
        }
    }

    private void RequirePositive(string field, int value)
    {
        if (value <= 0)
        {
            throw new CheckpointException(SourcePath, field, $"must be a positive integer, found {value}.");
        }
    }

    private void RequireDivisible(string headsField, int heads)
    {
        if (DModel % heads != 0)
        {
            throw new CheckpointException(SourcePath, headsField, $"d_model {DModel} is not divisible by {heads} heads.");
        }
    }

    private void RequireTokenId(string field, int? id)
    {
        if (id is { } value && (value < 0 || value >= VocabSize))
        {
            throw new CheckpointException(SourcePath, field, $"token id {value} is outside the vocabulary [0, {VocabSize}).");
        }
    }
}
