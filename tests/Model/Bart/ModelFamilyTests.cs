using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.KvCache;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Bart;

public sealed class ModelFamilyTests
{
    private static ModelConfig Family(string type) => ModelConfig.ForFamily(type) with
    {
        DModel = 32, EncoderLayers = 2, DecoderLayers = 2, EncoderAttentionHeads = 4, DecoderAttentionHeads = 4,
        EncoderFfnDim = 64, DecoderFfnDim = 64, VocabSize = 300, MaxPositionEmbeddings = 64,
        PadTokenId = 1, BosTokenId = 0, EosTokenId = 2, DecoderStartTokenId = 2,
    };

    [Theory]
    [InlineData("bart")]
    [InlineData("mbart")]
    [InlineData("pegasus")]
    public void EachFamilyBuildsFromItsHuggingFaceParameterSetAndDecodes(string type)
    {
        var config = Family(type);
        using var weights = RandomWeights.Generate(config, seed: 1, std: 0.2);
        using var model = new BartModel(weights, config);
        var windows = DocumentSharder.Plan(100, new ShardingOptions(40, 4));
        var shards = new ShardEncoder(model, "m").Encode("d", Tests.TinyBart.RandomTokens(100, 3), windows, KvDType.F32);

        var result = Tests.TinyBart.Generate(model, shards, Tests.TinyBart.Settings(maxLength: 12, beams: 2));

        Assert.Equal(12, result.SequenceIds.Count);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void FamiliesDifferWhereHuggingFaceSaysTheyDo()
    {
        var pegasus = BartParameterLayout.For(Family("pegasus")).Select(p => p.Name).ToHashSet();
        var mbart = BartParameterLayout.For(Family("mbart")).Select(p => p.Name).ToHashSet();
        var bart = BartParameterLayout.For(Family("bart")).Select(p => p.Name).ToHashSet();

        Assert.DoesNotContain("model.encoder.embed_positions.weight", pegasus);   // fixed sinusoids, nothing to load
        Assert.DoesNotContain("model.encoder.layernorm_embedding.weight", pegasus);
        Assert.Contains("model.encoder.layer_norm.weight", pegasus);             // pre-norm stacks end with a norm
        Assert.Contains("model.decoder.layer_norm.weight", mbart);
        Assert.Contains("model.encoder.layernorm_embedding.weight", mbart);
        Assert.DoesNotContain("model.encoder.layer_norm.weight", bart);
        Assert.Contains("model.encoder.embed_positions.weight", bart);
        Assert.True(Family("pegasus").NormalizeBefore && Family("mbart").NormalizeBefore && !Family("bart").NormalizeBefore);
    }

    [Fact]
    public void MissingFinalNormOfAPreNormFamilyIsAnErrorNamingTheParameter()
    {
        var config = Family("mbart");
        using var weights = RandomWeights.Generate(Family("bart") with { ModelType = "bart" }, seed: 1);

        var error = Assert.ThrowsAny<Exception>(() => new BartModel(weights, config));
        Assert.Contains("layer_norm", error.Message);
    }

    [Fact]
    public void BartPositionsSkipTheFirstTwoRowsOfTheLearnedTable()
    {
        // Zero every learned row except row 2: only position 0 (row 0 + offset 2) may see a non-zero embedding.
        var config = Family("bart");
        using var weights = RandomWeights.Generate(config, seed: 2);
        var table = weights["model.encoder.embed_positions.weight"];
        using (no_grad())
        {
            table.zero_();
            table[2].copy_(arange(table.shape[1], ScalarType.Float32) / 10); // not constant: a layer norm would cancel a uniform shift
        }
        using var model = new BartModel(weights, config);
        using var scope = NewDisposeScope();
        var zerosIds = full(1, 4, 5L);
        // Encoder outputs differ between position 0 and the rest only through the position table.
        var hidden = model.Encode(zerosIds, ones_like(zerosIds))[0];
        float first = (hidden[0] - hidden[1]).abs().max().item<float>(), rest = (hidden[1] - hidden[2]).abs().max().item<float>();
        Assert.True(first > 1e-3f && rest < 1e-5f, $"position 0 vs 1 differ by {first}, 1 vs 2 by {rest}");
    }
}
