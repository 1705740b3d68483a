using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;

namespace Summarizer.Model.Tests;

/// <summary>A small random BART built in memory, for tests that need a real forward pass.</summary>
internal static class TinyBart
{
    public static ModelConfig Config(int maxPositions = 64, int vocab = 300) => new()
    {
        ModelType = "bart",
        DModel = 32,
        EncoderLayers = 2,
        DecoderLayers = 2,
        EncoderAttentionHeads = 4,
        DecoderAttentionHeads = 4,
        EncoderFfnDim = 64,
        DecoderFfnDim = 64,
        VocabSize = vocab,
        MaxPositionEmbeddings = maxPositions,
        ActivationFunction = ActivationFunction.Gelu,
        PadTokenId = 1,
        BosTokenId = 0,
        EosTokenId = 2,
        DecoderStartTokenId = 2,
        ForcedBosTokenId = 0,
        ForcedEosTokenId = 2,
    };

    public static BartModel Create(ModelConfig? config = null, int seed = 7, double std = 0.2)
    {
        config ??= Config();
        using var weights = RandomWeights.Generate(config, seed, std);
        return new BartModel(weights, config);
    }

    public static int[] RandomTokens(int count, int seed, int vocab = 300)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(4, vocab)).ToArray();
    }

    public static GenerationSettings Settings(int maxLength = 24, int beams = 1) => new()
    {
        MaxLength = maxLength,
        NumBeams = beams,
        DecoderStartTokenId = 2,
        EosTokenId = 2,
        PadTokenId = 1,
        ForcedBosTokenId = 0,
        EarlyStopping = Summarizer.Model.Configuration.EarlyStoppingMode.WhenBeamsComplete,
    };

    public static IReadOnlyList<KvShard> EncodeDocument(BartModel model, int[] tokens, int shardLength, int overlap = 0, ShardEncoder? encoder = null)
    {
        encoder ??= new ShardEncoder(model, "test-model");
        var windows = DocumentSharder.Plan(tokens.Length, new ShardingOptions(shardLength, overlap));
        return encoder.Encode("doc", tokens, windows, KvDType.F32);
    }

    public static GenerationResult Generate(BartModel model, IReadOnlyList<KvShard> shards, GenerationSettings settings,
        CrossAttentionMode? mode = null, Action<IReadOnlyList<int>>? onDecided = null)
    {
        using var memory = new ShardedCrossAttention(shards, mode ?? CrossAttentionMode.Exact);
        using var target = new LocalDecodeTarget(model, memory);
        return settings.NumBeams == 1 ? GreedySearch.Run(target, settings, onDecided) : BeamSearch.Run(target, settings, onDecided);
    }
}
