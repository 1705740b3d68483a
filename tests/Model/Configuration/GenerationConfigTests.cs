using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Tests.TestSupport;

namespace Summarizer.Model.Tests.Configuration;

public sealed class GenerationConfigTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static ModelConfig BartLargeCnn => ModelConfig.Parse(ModelConfigTests.BartLargeCnnJson, "/m/config.json");

    [Fact]
    public void WithoutGenerationConfigJsonTheLegacyConfigFieldsApply()
    {
        var generation = GenerationConfig.Load(_directory.Path, BartLargeCnn);

        Assert.Equal(4, generation.NumBeams);
        Assert.Equal(2.0, generation.LengthPenalty);
        Assert.Equal(3, generation.NoRepeatNgramSize);
        Assert.Equal(56, generation.MinLength);
        Assert.Equal(142, generation.MaxLength);
        Assert.Equal(EarlyStoppingMode.WhenBeamsComplete, generation.EarlyStopping);
        Assert.Equal(0, generation.ForcedBosTokenId);
        Assert.Equal(2, generation.ForcedEosTokenId);
        Assert.Equal(2, generation.DecoderStartTokenId);
        Assert.Equal([2], generation.EosTokenIds);
        Assert.Equal("/m/config.json", generation.SourcePath);
    }

    [Fact]
    public void WithoutAnyGenerationSettingsTheLibraryDefaultsApply()
    {
        var config = ModelConfig.Parse(ModelConfigTests.MinimalJson("bart"), "/m/config.json");

        var generation = GenerationConfig.Load(_directory.Path, config);

        Assert.Equal(1, generation.NumBeams);
        Assert.Equal(1.0, generation.LengthPenalty);
        Assert.Equal(0, generation.NoRepeatNgramSize);
        Assert.Equal(0, generation.MinLength);
        Assert.Equal(20, generation.MaxLength);
        Assert.Null(generation.MaxNewTokens);
        Assert.Equal(EarlyStoppingMode.Heuristic, generation.EarlyStopping);
    }

    [Fact]
    public void GenerationConfigJsonTakesPrecedenceOverLegacyConfigFields()
    {
        File.WriteAllText(_directory.File("generation_config.json"), """
            { "num_beams": 2, "max_length": 60, "early_stopping": "never", "max_new_tokens": 40, "eos_token_id": [2, 3], "forced_bos_token_id": null, "bos_token_id": 0 }
            """);

        var generation = GenerationConfig.Load(_directory.Path, BartLargeCnn);

        Assert.Equal(2, generation.NumBeams);
        Assert.Equal(60, generation.MaxLength);
        Assert.Equal(40, generation.MaxNewTokens);
        Assert.Equal(EarlyStoppingMode.Never, generation.EarlyStopping);
        Assert.Equal([2, 3], generation.EosTokenIds);
        Assert.Null(generation.ForcedBosTokenId);
        // Fields the file leaves out take library defaults, not config.json's legacy values.
        Assert.Equal(1.0, generation.LengthPenalty);
        Assert.Equal(0, generation.MinLength);
        // Token ids it leaves out do not come from config.json either (HF uses the file alone)...
        Assert.Null(generation.ForcedEosTokenId);
        // ...and the decoder start falls back to the file's own bos_token_id.
        Assert.Equal(0, generation.DecoderStartTokenId);
        Assert.Equal(_directory.File("generation_config.json"), generation.SourcePath);
    }

    [Fact]
    public void ZeroBeamsIsRejectedNamingTheGenerationFileAndField()
    {
        var path = _directory.File("generation_config.json");
        File.WriteAllText(path, """{ "num_beams": 0 }""");

        var error = Assert.Throws<CheckpointException>(() => GenerationConfig.Load(_directory.Path, BartLargeCnn));

        Assert.Equal(path, error.FilePath);
        Assert.Equal("num_beams", error.Field);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void EarlyStoppingOtherThanTrueFalseOrNeverIsRejected()
    {
        File.WriteAllText(_directory.File("generation_config.json"), """{ "early_stopping": "sometimes" }""");

        var error = Assert.Throws<CheckpointException>(() => GenerationConfig.Load(_directory.Path, BartLargeCnn));

        Assert.Equal("early_stopping", error.Field);
    }

    [Fact]
    public void TokenIdOutsideTheVocabularyIsRejectedNamingTheGenerationFile()
    {
        var path = _directory.File("generation_config.json");
        File.WriteAllText(path, """{ "decoder_start_token_id": 2, "eos_token_id": [2, 99999] }""");

        var error = Assert.Throws<CheckpointException>(() => GenerationConfig.Load(_directory.Path, BartLargeCnn));

        Assert.Equal(path, error.FilePath);
        Assert.Equal("eos_token_id", error.Field);
    }

    [Fact]
    public void ToJsonRoundTripsThroughParse()
    {
        var original = GenerationConfig.Parse(
            """{ "num_beams": 3, "length_penalty": 0.8, "no_repeat_ngram_size": 2, "min_length": 5, "max_length": 50, "max_new_tokens": 30, "min_new_tokens": 4, "early_stopping": "never", "decoder_start_token_id": 2, "eos_token_id": [2, 5], "forced_eos_token_id": [2, 5], "pad_token_id": null }""",
            "/m/generation_config.json",
            BartLargeCnn);

        var reparsed = GenerationConfig.Parse(original.ToJson(), "/m/generation_config.json", BartLargeCnn);

        Assert.Equivalent(original, reparsed, strict: true);
        Assert.Equal(2, reparsed.PadTokenId);   // HF: pad falls back to the first EOS id
    }
}
