using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests;

/// <summary>Small random networks of every supported family, built in memory, for tests that need real forward passes.</summary>
internal static class TinyFamily
{
    public static readonly TheoryData<string> Types = new() { "bart", "mbart", "pegasus", "t5", "mt5" };

    public static ModelConfig Config(string modelType, int vocab = 300) =>
        ModelConfig.ForFamily(modelType) with
        {
            DModel = 32, EncoderLayers = 2, DecoderLayers = 2, EncoderAttentionHeads = 4, DecoderAttentionHeads = 4,
            EncoderFfnDim = 64, DecoderFfnDim = 64, VocabSize = vocab,
            MaxPositionEmbeddings = modelType is "t5" or "mt5" ? 512 : 96,
            KeyValueDim = modelType is "t5" or "mt5" ? 6 : null,   // T5's d_kv is independent of d_model
            ScaleEmbedding = modelType is "mbart" or "pegasus",
            BosTokenId = modelType is "bart" or "mbart" ? 0 : null,
            DecoderStartTokenId = modelType is "bart" or "mbart" ? 2 : 0,
        };

    public static IEncoderDecoderNetwork Create(string modelType, int seed = 7)
    {
        var config = Config(modelType);
        using var weights = RandomWeights.Generate(config, seed, std: 0.2);
        return EncoderDecoderNetworks.Create(weights, config);
    }

    /// <summary>Attention over one block of K/V with a plain softmax: what exact sharded attention must equal.</summary>
    public sealed class DenseMemory(IReadOnlyList<(Tensor Keys, Tensor Values)> layers) : ICrossAttentionMemory
    {
        public Tensor Attend(int layer, Tensor query, int positions = 1)
        {
            var (keys, values) = layers[layer];
            return query.matmul(keys.transpose(-1, -2)).softmax(-1).matmul(values);
        }
    }
}
