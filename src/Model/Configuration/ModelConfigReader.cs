using Summarizer.Model.Checkpoints;

namespace Summarizer.Model.Configuration;

// Parsing of config.json: the BART family's field names, or T5's, into one ModelConfig.
public sealed partial record ModelConfig
{
    private static ModelConfig FromReader(JsonFieldReader reader)
    {
        var modelType = reader.String("model_type") ?? throw reader.Error("model_type", $"is required but missing; supported model types: {ModelFamily.SupportedList}.");
        var family = ModelFamily.Find(modelType) ?? throw reader.Error("model_type", UnsupportedModelTypeMessage(modelType));
        var config = family.Network == NetworkArchitecture.T5 ? ReadT5(reader, family) : ReadBart(reader, family);
        config.Validate();
        return config;
    }

    private static ModelConfig ReadBart(JsonFieldReader reader, ModelFamily family)
    {
        var activationName = reader.String("activation_function") ?? "gelu";
        var activation = ActivationFunctionNames.FromName(activationName)
            ?? throw reader.Error("activation_function", $"'{activationName}' is not supported; supported: {ActivationFunctionNames.SupportedList}.");
        // normalize_before, add_final_layer_norm and static_position_embeddings are read only to reject bad types:
        // HF's model classes ignore them (the architecture follows model_type), and so does this one.
        _ = reader.Bool("normalize_before");
        _ = reader.Bool("add_final_layer_norm");
        _ = reader.Bool("static_position_embeddings");
        return Common(reader, family) with
        {
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
            ScaleEmbedding = reader.Bool("scale_embedding") ?? false,
            TieWordEmbeddings = reader.Bool("tie_word_embeddings") ?? true,
            LayerNormEps = reader.Double("layer_norm_eps") ?? 1e-5,
            InitStd = reader.Double("init_std") ?? 0.02,
            Dropout = reader.Double("dropout") ?? 0.1,
        };
    }

    // T5Config's defaults (MT5Config's where they differ) for every field the file leaves out, as HF applies them.
    private static ModelConfig ReadT5(JsonFieldReader reader, ModelFamily family)
    {
        bool mt5 = family.ModelType == "mt5";
        var proj = reader.String("feed_forward_proj") ?? (mt5 ? "gated-gelu" : "relu");
        var parts = proj.Split('-');
        bool gated = parts[0] == "gated";
        if ((parts.Length > 1 && !gated) || parts.Length > 2 || parts[^1].Length == 0)
            throw reader.Error("feed_forward_proj", $"'{proj}' is not of the form 'gated-ACT' or 'ACT' (e.g. 'gated-gelu' or 'relu').");
        // HF's backward-compatibility rule: "gated-gelu" means the tanh approximation.
        var actName = reader.String("dense_act_fn") ?? (proj == "gated-gelu" ? "gelu_new" : parts[^1]);
        var activation = ActivationFunctionNames.FromName(actName)
            ?? throw reader.Error(reader.Has("dense_act_fn") ? "dense_act_fn" : "feed_forward_proj",
                $"activation '{actName}' is not supported; supported: {ActivationFunctionNames.SupportedList}.");
        int layers = reader.Int("num_layers") ?? (mt5 ? 8 : 6);
        int heads = reader.Int("num_heads") ?? (mt5 ? 6 : 8);
        int ff = reader.Int("d_ff") ?? (mt5 ? 1024 : 2048);
        return Common(reader, family) with
        {
            DModel = reader.Int("d_model") ?? 512,
            KeyValueDim = reader.Int("d_kv") ?? 64,
            EncoderLayers = layers,
            DecoderLayers = reader.Int("num_decoder_layers") ?? layers,
            EncoderAttentionHeads = heads,
            DecoderAttentionHeads = heads,
            EncoderFfnDim = ff,
            DecoderFfnDim = ff,
            VocabSize = reader.Int("vocab_size") ?? (mt5 ? 250112 : 32128),
            MaxPositionEmbeddings = reader.Int("n_positions") ?? T5DefaultShardLength,
            ActivationFunction = activation,
            FeedForwardProj = proj,
            IsGatedActivation = reader.Bool("is_gated_act") ?? gated,
            RelativeAttentionNumBuckets = reader.Int("relative_attention_num_buckets") ?? 32,
            RelativeAttentionMaxDistance = reader.Int("relative_attention_max_distance") ?? 128,
            TieWordEmbeddings = reader.Bool("tie_word_embeddings") ?? !mt5,
            LayerNormEps = reader.Double("layer_norm_epsilon") ?? 1e-6,
            InitStd = reader.Double("initializer_factor") ?? 1.0,
            Dropout = reader.Double("dropout_rate") ?? 0.1,
            SummarizationPrefix = reader.NestedString("task_specific_params", "summarization", "prefix"),
        };
    }

    private static ModelConfig Common(JsonFieldReader reader, ModelFamily family)
    {
        var bosTokenId = reader.IsPresent("bos_token_id") ? reader.Int("bos_token_id") : family.BosTokenId;
        var decoderStart = reader.Int("decoder_start_token_id") ?? family.DecoderStartTokenId ?? bosTokenId
            ?? throw reader.Error("decoder_start_token_id", "is missing and there is no bos_token_id to start decoding with.");
        return new ModelConfig
        {
            SourcePath = reader.Path,
            ModelType = family.ModelType,
            PadTokenId = reader.Int("pad_token_id") ?? family.PadTokenId,
            BosTokenId = bosTokenId,
            EosTokenId = reader.IntOrIntList("eos_token_id")?[0] ?? family.EosTokenId,
            DecoderStartTokenId = decoderStart,
            ForcedBosTokenId = reader.Int("forced_bos_token_id"),
            ForcedEosTokenId = reader.IsPresent("forced_eos_token_id") ? reader.Int("forced_eos_token_id") : family.ForcedEosTokenId,
            LegacyGeneration = LegacyGenerationSettings.Read(reader),
        };
    }
}
