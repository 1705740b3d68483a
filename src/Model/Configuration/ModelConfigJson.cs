using System.Text;
using System.Text.Json;

namespace Summarizer.Model.Configuration;

// Writing config.json in Hugging Face's field names for the family, so Parse reads it back unchanged.
public sealed partial record ModelConfig
{
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
            if (Network == NetworkArchitecture.T5)
            {
                WriteT5Fields(json);
            }
            else
            {
                WriteBartFields(json);
            }

            json.WriteNumber("pad_token_id", PadTokenId);
            GenerationConfig.WriteOptional(json, "bos_token_id", BosTokenId);
            json.WriteNumber("eos_token_id", EosTokenId);
            json.WriteNumber("decoder_start_token_id", DecoderStartTokenId);
            GenerationConfig.WriteOptional(json, "forced_bos_token_id", ForcedBosTokenId);
            GenerationConfig.WriteOptional(json, "forced_eos_token_id", ForcedEosTokenId);
            json.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            WriteLegacyGeneration(json, LegacyGeneration);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private void WriteBartFields(Utf8JsonWriter json)
    {
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
        // Written as the checkpoints of each family write them; ignored when read, as HF ignores them.
        json.WriteBoolean("normalize_before", NormalizeBefore);
        json.WriteBoolean("scale_embedding", ScaleEmbedding);
        json.WriteBoolean("add_final_layer_norm", AddFinalLayerNorm);
        json.WriteBoolean("static_position_embeddings", StaticPositionEmbeddings);
        json.WriteNumber("layer_norm_eps", LayerNormEps);
        json.WriteNumber("init_std", InitStd);
        json.WriteNumber("dropout", Dropout);
    }

    private void WriteT5Fields(Utf8JsonWriter json)
    {
        json.WriteNumber("d_model", DModel);
        json.WriteNumber("d_kv", KeyValueDim ?? DecoderHeadDim);
        json.WriteNumber("d_ff", EncoderFfnDim);
        json.WriteNumber("num_layers", EncoderLayers);
        json.WriteNumber("num_decoder_layers", DecoderLayers);
        json.WriteNumber("num_heads", EncoderAttentionHeads);
        json.WriteNumber("vocab_size", VocabSize);
        json.WriteNumber("n_positions", MaxPositionEmbeddings);
        json.WriteString("feed_forward_proj", FeedForwardProj ?? "relu");
        json.WriteString("dense_act_fn", ActivationFunctionNames.ToName(ActivationFunction));
        json.WriteBoolean("is_gated_act", IsGatedActivation);
        json.WriteNumber("relative_attention_num_buckets", RelativeAttentionNumBuckets);
        json.WriteNumber("relative_attention_max_distance", RelativeAttentionMaxDistance);
        json.WriteNumber("layer_norm_epsilon", LayerNormEps);
        json.WriteNumber("initializer_factor", InitStd);
        json.WriteNumber("dropout_rate", Dropout);
        json.WriteBoolean("use_cache", true);
        if (SummarizationPrefix is { } prefix)
        {
            json.WriteStartObject("task_specific_params");
            json.WriteStartObject("summarization");
            json.WriteString("prefix", prefix);
            json.WriteEndObject();
            json.WriteEndObject();
        }
    }

    private static void WriteLegacyGeneration(Utf8JsonWriter json, LegacyGenerationSettings legacy)
    {
        if (legacy.NumBeams is { } numBeams) json.WriteNumber("num_beams", numBeams);
        if (legacy.LengthPenalty is { } lengthPenalty) json.WriteNumber("length_penalty", lengthPenalty);
        if (legacy.NoRepeatNgramSize is { } noRepeat) json.WriteNumber("no_repeat_ngram_size", noRepeat);
        if (legacy.MinLength is { } minLength) json.WriteNumber("min_length", minLength);
        if (legacy.MaxLength is { } maxLength) json.WriteNumber("max_length", maxLength);
        if (legacy.EarlyStopping is { } earlyStopping) GenerationConfig.WriteEarlyStopping(json, earlyStopping);
    }
}
