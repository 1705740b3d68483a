using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;

namespace Summarizer.Model.Tests.Configuration;

public sealed class ModelConfigTests
{
    private const string Path = "/models/bart-large-cnn/config.json";

    // The config.json of facebook/bart-large-cnn, which keeps its generation settings inline.
    internal const string BartLargeCnnJson = """
        {
          "_num_labels": 3,
          "activation_dropout": 0.0,
          "activation_function": "gelu",
          "add_final_layer_norm": false,
          "architectures": ["BartForConditionalGeneration"],
          "attention_dropout": 0.0,
          "bos_token_id": 0,
          "classif_dropout": 0.0,
          "classifier_dropout": 0.0,
          "d_model": 1024,
          "decoder_attention_heads": 16,
          "decoder_ffn_dim": 4096,
          "decoder_layerdrop": 0.0,
          "decoder_layers": 12,
          "decoder_start_token_id": 2,
          "dropout": 0.1,
          "early_stopping": true,
          "encoder_attention_heads": 16,
          "encoder_ffn_dim": 4096,
          "encoder_layerdrop": 0.0,
          "encoder_layers": 12,
          "eos_token_id": 2,
          "force_bos_token_to_be_generated": true,
          "forced_bos_token_id": 0,
          "forced_eos_token_id": 2,
          "gradient_checkpointing": false,
          "id2label": {"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"},
          "init_std": 0.02,
          "is_encoder_decoder": true,
          "label2id": {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2},
          "length_penalty": 2.0,
          "max_length": 142,
          "max_position_embeddings": 1024,
          "min_length": 56,
          "model_type": "bart",
          "no_repeat_ngram_size": 3,
          "normalize_before": false,
          "num_beams": 4,
          "num_hidden_layers": 12,
          "output_past": true,
          "pad_token_id": 1,
          "prefix": " ",
          "scale_embedding": false,
          "static_position_embeddings": false,
          "task_specific_params": {"summarization": {"early_stopping": true, "length_penalty": 2.0, "max_length": 142, "min_length": 56, "no_repeat_ngram_size": 3, "num_beams": 4}},
          "transformers_version": "4.7.0.dev0",
          "use_cache": true,
          "vocab_size": 50264
        }
        """;

    [Fact]
    public void BartLargeCnnConfigParsesEveryArchitectureField()
    {
        var config = ModelConfig.Parse(BartLargeCnnJson, Path);

        Assert.Equal("bart", config.ModelType);
        Assert.Equal(1024, config.DModel);
        Assert.Equal(12, config.EncoderLayers);
        Assert.Equal(12, config.DecoderLayers);
        Assert.Equal(16, config.EncoderAttentionHeads);
        Assert.Equal(16, config.DecoderAttentionHeads);
        Assert.Equal(64, config.EncoderHeadDim);
        Assert.Equal(4096, config.EncoderFfnDim);
        Assert.Equal(4096, config.DecoderFfnDim);
        Assert.Equal(50264, config.VocabSize);
        Assert.Equal(1024, config.MaxPositionEmbeddings);
        Assert.Equal(ActivationFunction.Gelu, config.ActivationFunction);
        Assert.False(config.NormalizeBefore);
        Assert.False(config.AddFinalLayerNorm);
        Assert.False(config.ScaleEmbedding);
        Assert.Equal(1.0, config.EmbeddingScale);
        Assert.False(config.StaticPositionEmbeddings);
        Assert.True(config.HasLayerNormEmbedding);
        Assert.Equal(2, config.PositionOffset);
        Assert.Equal(1, config.PadTokenId);
        Assert.Equal(0, config.BosTokenId);
        Assert.Equal(2, config.EosTokenId);
        Assert.Equal(2, config.DecoderStartTokenId);
        Assert.Equal(0, config.ForcedBosTokenId);
        Assert.Equal(2, config.ForcedEosTokenId);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal(1e-5, config.LayerNormEps);
        Assert.Equal(Path, config.SourcePath);
    }

    [Fact]
    public void BartLargeCnnLegacyGenerationFieldsAreKept()
    {
        var legacy = ModelConfig.Parse(BartLargeCnnJson, Path).LegacyGeneration;

        Assert.Equal(new LegacyGenerationSettings(
            NumBeams: 4, LengthPenalty: 2.0, NoRepeatNgramSize: 3, MinLength: 56, MaxLength: 142, EarlyStopping: EarlyStoppingMode.WhenBeamsComplete), legacy);
    }

    [Fact]
    public void PegasusIsStaticPositionsPreNormWithoutEmbeddingLayerNormAndDefaultsToUnscaledEmbeddings()
    {
        var config = ModelConfig.Parse(MinimalJson("pegasus"), Path);

        Assert.True(config.StaticPositionEmbeddings);
        Assert.Equal(0, config.PositionOffset);
        Assert.False(config.HasLayerNormEmbedding);
        Assert.True(config.NormalizeBefore);
        Assert.True(config.AddFinalLayerNorm);
        Assert.False(config.ScaleEmbedding);   // PegasusConfig's default; pegasus checkpoints write "scale_embedding": true
        Assert.Equal(1.0, config.EmbeddingScale);
        Assert.Equal(0, config.PadTokenId);
        Assert.Equal(1, config.EosTokenId);
        Assert.Equal(0, config.DecoderStartTokenId);
        Assert.Null(config.BosTokenId);
    }

    [Fact]
    public void MBartIsLearnedPositionsPreNormWithEmbeddingLayerNormAndDefaultsToUnscaledEmbeddings()
    {
        var config = ModelConfig.Parse(MinimalJson("mbart"), Path);

        Assert.False(config.StaticPositionEmbeddings);
        Assert.Equal(2, config.PositionOffset);
        Assert.True(config.HasLayerNormEmbedding);
        Assert.True(config.NormalizeBefore);
        Assert.True(config.AddFinalLayerNorm);
        Assert.False(config.ScaleEmbedding);   // MBartConfig's default
    }

    [Fact]
    public void MissingDecoderStartAndBosTokenIsRejectedNamingDecoderStartTokenId()
    {
        var error = Assert.Throws<CheckpointException>(
            () => ModelConfig.Parse(MinimalJson("mbart", """, "bos_token_id": null """), Path));

        Assert.Equal("decoder_start_token_id", error.Field);
    }

    [Fact]
    public void ExplicitFieldsOverrideFamilyDefaults()
    {
        var config = ModelConfig.Parse(MinimalJson("pegasus", """, "scale_embedding": true, "activation_function": "relu" """), Path);

        Assert.True(config.ScaleEmbedding);
        Assert.Equal(ActivationFunction.Relu, config.ActivationFunction);
    }

    [Fact]
    public void UnknownModelTypeIsRejectedListingTheSupportedOnes()
    {
        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse(MinimalJson("xlnet"), Path));

        Assert.Equal(Path, error.FilePath);
        Assert.Equal("model_type", error.Field);
        Assert.Contains("'xlnet'", error.Message);
        Assert.Contains("bart, mbart, pegasus, t5, mt5", error.Message);
    }

    [Fact]
    public void UnsupportedActivationIsRejectedNamingTheField()
    {
        var error = Assert.Throws<CheckpointException>(
            () => ModelConfig.Parse(MinimalJson("bart", """, "activation_function": "mish" """), Path));

        Assert.Equal("activation_function", error.Field);
        Assert.Contains("mish", error.Message);
    }

    [Theory]
    [InlineData("d_model")]
    [InlineData("vocab_size")]
    [InlineData("decoder_layers")]
    public void MissingRequiredFieldIsRejectedNamingIt(string field)
    {
        var json = MinimalJson("bart").Replace($"\"{field}\"", "\"renamed\"");

        var error = Assert.Throws<CheckpointException>(() => ModelConfig.Parse(json, Path));

        Assert.Equal(field, error.Field);
        Assert.Contains(Path, error.Message);
    }

    [Fact]
    public void HiddenSizeNotDivisibleByTheHeadCountIsRejected()
    {
        var error = Assert.Throws<CheckpointException>(
            () => ModelConfig.Parse(MinimalJson("bart", """, "decoder_attention_heads": 3 """), Path));

        Assert.Equal("decoder_attention_heads", error.Field);
    }

    [Fact]
    public void TokenIdOutsideTheVocabularyIsRejected()
    {
        var error = Assert.Throws<CheckpointException>(
            () => ModelConfig.Parse(MinimalJson("bart", """, "forced_bos_token_id": 100 """), Path));

        Assert.Equal("forced_bos_token_id", error.Field);
        Assert.Contains("100", error.Message);
    }

    [Fact]
    public void WrongJsonTypeIsRejectedNamingTheField()
    {
        var error = Assert.Throws<CheckpointException>(
            () => ModelConfig.Parse(MinimalJson("bart", """, "normalize_before": "yes" """), Path));

        Assert.Equal("normalize_before", error.Field);
    }

    [Fact]
    public void InvalidLegacyGenerationFieldIsRejectedNamingConfigJson()
    {
        var error = Assert.Throws<CheckpointException>(
            () => ModelConfig.Parse(MinimalJson("bart", """, "num_beams": 0 """), Path));

        Assert.Equal(Path, error.FilePath);
        Assert.Equal("num_beams", error.Field);
    }

    [Theory]
    [InlineData("bart")]
    [InlineData("mbart")]
    [InlineData("pegasus")]
    public void ToJsonRoundTripsThroughParse(string modelType)
    {
        var original = ModelConfig.Parse(MinimalJson(modelType, """, "bos_token_id": null, "decoder_start_token_id": 3, "forced_eos_token_id": null, "layer_norm_eps": 1e-6 """), Path);

        var reparsed = ModelConfig.Parse(original.ToJson(), Path);

        Assert.Equal(original, reparsed);
    }

    [Fact]
    public void BartLargeCnnRoundTripsThroughToJson()
    {
        var original = ModelConfig.Parse(BartLargeCnnJson, Path);

        Assert.Equal(original, ModelConfig.Parse(original.ToJson(), Path));
    }

    [Fact]
    public void ForFamilyGivesDefaultsThatValidateOnceSizesAreSet()
    {
        var config = ModelConfig.ForFamily("pegasus") with
        {
            DModel = 8, EncoderLayers = 1, DecoderLayers = 1, EncoderAttentionHeads = 2, DecoderAttentionHeads = 2,
            EncoderFfnDim = 16, DecoderFfnDim = 16, VocabSize = 32, MaxPositionEmbeddings = 64,
        };

        config.Validate();
        Assert.Contains("pegasus", ModelConfig.ForFamily("pegasus").ToString());
        Assert.Equal(config with { SourcePath = "x" }, ModelConfig.Parse(config.ToJson(), "x"));
    }

    [Fact]
    public void LoadReadsTheFileAndNamesItInErrors()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ not json");
        try
        {
            var error = Assert.Throws<CheckpointException>(() => ModelConfig.Load(path));
            Assert.Equal(path, error.FilePath);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>A small config for <paramref name="modelType"/> with only the required fields, plus <paramref name="extra"/>.</summary>
    internal static string MinimalJson(string modelType, string extra = "") => $$"""
        {
          "model_type": "{{modelType}}",
          "d_model": 16,
          "encoder_layers": 2,
          "decoder_layers": 2,
          "encoder_attention_heads": 4,
          "decoder_attention_heads": 4,
          "encoder_ffn_dim": 32,
          "decoder_ffn_dim": 32,
          "vocab_size": 64,
          "max_position_embeddings": 128
          {{extra}}
        }
        """;

    [Theory]
    [InlineData("bart", """, "normalize_before": true, "add_final_layer_norm": true, "static_position_embeddings": true """)]
    [InlineData("pegasus", """, "normalize_before": false, "add_final_layer_norm": false, "static_position_embeddings": false """)]
    [InlineData("mbart", """, "normalize_before": false, "add_final_layer_norm": false, "static_position_embeddings": true """)]
    public void KeysHuggingFacesModelClassesIgnoreDoNotSwitchTheArchitecture(string modelType, string ignoredKeys)
    {
        var plain = ModelConfig.Parse(MinimalJson(modelType), Path);
        var withKeys = ModelConfig.Parse(MinimalJson(modelType, ignoredKeys), Path);

        Assert.Equal(plain, withKeys);
        Assert.Equal(modelType != "bart", withKeys.NormalizeBefore);
        Assert.Equal(modelType != "bart", withKeys.AddFinalLayerNorm);
        Assert.Equal(modelType == "pegasus", withKeys.StaticPositionEmbeddings);
    }
}
