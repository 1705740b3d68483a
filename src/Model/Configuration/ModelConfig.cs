using Summarizer.Model.Checkpoints;

namespace Summarizer.Model.Configuration;

/// <summary>
/// The architecture described by a Hugging Face <c>config.json</c>: the BART family (bart, mbart, pegasus) or the T5
/// family (t5, mt5). The network follows <c>model_type</c>; class defaults come from it, and fields present in the
/// file override them. T5's names map onto the same properties (<c>num_layers</c> → <see cref="EncoderLayers"/>,
/// <c>num_heads</c> → both head counts, <c>d_ff</c> → both feed-forward sizes, <c>d_kv</c> → <see cref="KeyValueDim"/>).
/// </summary>
public sealed partial record ModelConfig
{
    /// <summary>The usual file name inside a model directory.</summary>
    public const string FileName = "config.json";

    /// <summary>Longest encoder window a T5 model accepts here: its relative positions have no limit, but encoder memory grows with the square.</summary>
    public const int T5MaxShardLength = 4096;

    /// <summary>T5's default window: it has no absolute position limit but was trained on 512-token inputs.</summary>
    public const int T5DefaultShardLength = 512;

    /// <summary>The file this configuration was read from, used in error messages.</summary>
    public string SourcePath { get; init; } = FileName;

    /// <summary><c>model_type</c>: "bart", "mbart", "pegasus", "t5" or "mt5".</summary>
    public string ModelType { get; init; } = "bart";

    /// <summary><c>d_model</c>: hidden size of embeddings and all layers.</summary>
    public int DModel { get; init; }

    /// <summary><c>encoder_layers</c> (T5: <c>num_layers</c>).</summary>
    public int EncoderLayers { get; init; }

    /// <summary><c>decoder_layers</c> (T5: <c>num_decoder_layers</c>, defaulting to <c>num_layers</c>).</summary>
    public int DecoderLayers { get; init; }

    /// <summary><c>encoder_attention_heads</c> (T5: <c>num_heads</c>).</summary>
    public int EncoderAttentionHeads { get; init; }

    /// <summary><c>decoder_attention_heads</c> (T5: <c>num_heads</c>).</summary>
    public int DecoderAttentionHeads { get; init; }

    /// <summary><c>encoder_ffn_dim</c>: inner size of the encoder feed-forward blocks (T5: <c>d_ff</c>).</summary>
    public int EncoderFfnDim { get; init; }

    /// <summary><c>decoder_ffn_dim</c>: inner size of the decoder feed-forward blocks (T5: <c>d_ff</c>).</summary>
    public int DecoderFfnDim { get; init; }

    /// <summary>T5's <c>d_kv</c>: size of one attention head, independent of d_model; null for the BART family (d_model / heads).</summary>
    public int? KeyValueDim { get; init; }

    /// <summary><c>vocab_size</c>: rows of the embedding matrix (may be padded beyond the tokenizer's ids).</summary>
    public int VocabSize { get; init; }

    /// <summary><c>max_position_embeddings</c> (T5: <c>n_positions</c>, informational only: T5 has no absolute positions).</summary>
    public int MaxPositionEmbeddings { get; init; }

    /// <summary><c>activation_function</c> (T5: the activation of <c>feed_forward_proj</c>, or <c>dense_act_fn</c>).</summary>
    public ActivationFunction ActivationFunction { get; init; } = ActivationFunction.Gelu;

    /// <summary>T5's <c>feed_forward_proj</c> as written ("relu", "gated-gelu", ...); null for the BART family.</summary>
    public string? FeedForwardProj { get; init; }

    /// <summary>T5's <c>is_gated_act</c>: the feed-forward is <c>wo(act(wi_0 x) * wi_1 x)</c> (v1.1, Flan-T5, mT5).</summary>
    public bool IsGatedActivation { get; init; }

    /// <summary>T5's <c>relative_attention_num_buckets</c>.</summary>
    public int RelativeAttentionNumBuckets { get; init; } = 32;

    /// <summary>T5's <c>relative_attention_max_distance</c>.</summary>
    public int RelativeAttentionMaxDistance { get; init; } = 128;

    /// <summary><c>scale_embedding</c>: multiply token embeddings by sqrt(d_model) (false unless the file says so, as in HF).</summary>
    public bool ScaleEmbedding { get; init; }

    /// <summary><c>pad_token_id</c>.</summary>
    public int PadTokenId { get; init; }

    /// <summary><c>bos_token_id</c>; PEGASUS and T5 have none.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>.</summary>
    public int EosTokenId { get; init; }

    /// <summary><c>decoder_start_token_id</c>: the first decoder input; falls back to <c>bos_token_id</c> when the file and family give none.</summary>
    public int DecoderStartTokenId { get; init; }

    /// <summary><c>forced_bos_token_id</c>: token forced as the first generated one, if any.</summary>
    public int? ForcedBosTokenId { get; init; }

    /// <summary><c>forced_eos_token_id</c>: token forced when the maximum length is reached, if any.</summary>
    public int? ForcedEosTokenId { get; init; }

    /// <summary><c>tie_word_embeddings</c>: the output projection shares the token embedding matrix (default true; false for mT5).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary><c>layer_norm_eps</c> (T5: <c>layer_norm_epsilon</c>); the BART family omits it and uses PyTorch's 1e-5.</summary>
    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary><c>init_std</c> (T5: <c>initializer_factor</c>): scale of random initialisation.</summary>
    public double InitStd { get; init; } = 0.02;

    /// <summary><c>dropout</c> (T5: <c>dropout_rate</c>); kept for round-tripping, unused at inference.</summary>
    public double Dropout { get; init; } = 0.1;

    /// <summary><c>task_specific_params.summarization.prefix</c> (T5's "summarize: "), prepended to the document as HF's summarization pipeline does.</summary>
    public string? SummarizationPrefix { get; init; }

    /// <summary>Generation parameters stored in config.json by older checkpoints.</summary>
    public LegacyGenerationSettings LegacyGeneration { get; init; } = LegacyGenerationSettings.None;

    /// <summary>The network this <c>model_type</c> runs.</summary>
    public NetworkArchitecture Network => Family.Network;

    /// <summary>Layer norm before each sub-layer (mBART, PEGASUS, T5), fixed by the model class: config's <c>normalize_before</c> is ignored, as HF ignores it.</summary>
    public bool NormalizeBefore => Family.NormalizeBefore;

    /// <summary>A layer norm after the last layer of each stack (mBART, PEGASUS, T5), fixed by the model class.</summary>
    public bool AddFinalLayerNorm => Family.AddFinalLayerNorm;

    /// <summary>Fixed sinusoidal positions (PEGASUS), fixed by the model class.</summary>
    public bool StaticPositionEmbeddings => Family.StaticPositionEmbeddings;

    /// <summary>Whether a layer norm follows the embeddings (<c>layernorm_embedding</c>): true for bart and mbart.</summary>
    public bool HasLayerNormEmbedding => Family.HasLayerNormEmbedding;

    /// <summary>Offset added to positions before the embedding lookup: 2 for learned positions (a fairseq legacy), 0 for static ones.</summary>
    public int PositionOffset => StaticPositionEmbeddings ? 0 : 2;

    /// <summary>Multiplier applied to token embeddings: sqrt(d_model) when <see cref="ScaleEmbedding"/>, else 1.</summary>
    public double EmbeddingScale => ScaleEmbedding ? Math.Sqrt(DModel) : 1.0;

    /// <summary>Size of one encoder attention head (0 until the head count is set).</summary>
    public int EncoderHeadDim => KeyValueDim ?? (EncoderAttentionHeads > 0 ? DModel / EncoderAttentionHeads : 0);

    /// <summary>Size of one decoder attention head (0 until the head count is set).</summary>
    public int DecoderHeadDim => KeyValueDim ?? (DecoderAttentionHeads > 0 ? DModel / DecoderAttentionHeads : 0);

    /// <summary>Decoder positions the model can embed: max_position_embeddings for the BART family, none (null) for T5.</summary>
    public int? DecoderPositionLimit => Network == NetworkArchitecture.T5 ? null : MaxPositionEmbeddings;

    /// <summary>Longest encoder window (specials included).</summary>
    public int ShardLengthLimit => Network == NetworkArchitecture.T5 ? T5MaxShardLength : MaxPositionEmbeddings;

    /// <summary>The window used when none is configured: the position limit, or 512 for T5.</summary>
    public int DefaultShardLength => Network == NetworkArchitecture.T5 ? T5DefaultShardLength : MaxPositionEmbeddings;

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
        bool t5 = family.Network == NetworkArchitecture.T5;
        return new ModelConfig
        {
            ModelType = family.ModelType,
            PadTokenId = family.PadTokenId,
            BosTokenId = family.BosTokenId,
            EosTokenId = family.EosTokenId,
            DecoderStartTokenId = family.DecoderStartTokenId ?? family.BosTokenId ?? 0,
            ForcedEosTokenId = family.ForcedEosTokenId,
            LayerNormEps = t5 ? 1e-6 : 1e-5,
            InitStd = t5 ? 1.0 : 0.02,
            FeedForwardProj = t5 ? (family.ModelType == "mt5" ? "gated-gelu" : "relu") : null,
            ActivationFunction = t5 ? (family.ModelType == "mt5" ? ActivationFunction.GeluNew : ActivationFunction.Relu) : ActivationFunction.Gelu,
            IsGatedActivation = family.ModelType == "mt5",
            TieWordEmbeddings = family.ModelType != "mt5",
            MaxPositionEmbeddings = t5 ? 512 : 0,
        };
    }

    /// <summary>Checks the invariants the model relies on.</summary>
    /// <exception cref="CheckpointException">Naming <see cref="SourcePath"/> and the offending field.</exception>
    public void Validate()
    {
        bool t5 = Family.Network == NetworkArchitecture.T5;
        RequirePositive("d_model", DModel);
        RequirePositive(t5 ? "num_layers" : "encoder_layers", EncoderLayers);
        RequirePositive(t5 ? "num_decoder_layers" : "decoder_layers", DecoderLayers);
        RequirePositive(t5 ? "num_heads" : "encoder_attention_heads", EncoderAttentionHeads);
        RequirePositive(t5 ? "num_heads" : "decoder_attention_heads", DecoderAttentionHeads);
        RequirePositive(t5 ? "d_ff" : "encoder_ffn_dim", EncoderFfnDim);
        RequirePositive(t5 ? "d_ff" : "decoder_ffn_dim", DecoderFfnDim);
        RequirePositive("vocab_size", VocabSize);
        if (t5)
        {
            RequirePositive("d_kv", KeyValueDim ?? 0);
            RequirePositive("relative_attention_num_buckets", RelativeAttentionNumBuckets);
            if (RelativeAttentionNumBuckets < 4)
                throw new CheckpointException(SourcePath, "relative_attention_num_buckets", $"must be at least 4 (half are exact, half logarithmic, each direction), found {RelativeAttentionNumBuckets}.");
            if (RelativeAttentionMaxDistance <= RelativeAttentionNumBuckets / 4)
                throw new CheckpointException(SourcePath, "relative_attention_max_distance", $"must exceed relative_attention_num_buckets / 4 ({RelativeAttentionNumBuckets / 4}), found {RelativeAttentionMaxDistance}.");
        }
        else
        {
            RequirePositive("max_position_embeddings", MaxPositionEmbeddings);
            RequireDivisible("encoder_attention_heads", EncoderAttentionHeads);
            RequireDivisible("decoder_attention_heads", DecoderAttentionHeads);
        }
        RequireTokenId("pad_token_id", PadTokenId);
        RequireTokenId("bos_token_id", BosTokenId);
        RequireTokenId("eos_token_id", EosTokenId);
        RequireTokenId("decoder_start_token_id", DecoderStartTokenId);
        RequireTokenId("forced_bos_token_id", ForcedBosTokenId);
        RequireTokenId("forced_eos_token_id", ForcedEosTokenId);
        if (!(LayerNormEps > 0) || !double.IsFinite(LayerNormEps))
        {
            throw new CheckpointException(SourcePath, t5 ? "layer_norm_epsilon" : "layer_norm_eps", $"must be a positive number, found {LayerNormEps}.");
        }
    }

    internal static string UnsupportedModelTypeMessage(string modelType) =>
        $"'{modelType}' is not supported; supported model types: {ModelFamily.SupportedList}.";

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
