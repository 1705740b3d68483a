using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

/// <summary>The bias table of a stack's first block, with an error that says why a T5 checkpoint must have it.</summary>
internal static class T5BiasLoader
{
    public static T5RelativePositionBias Load(IWeightSource weights, string stack, ModelConfig config, bool bidirectional)
    {
        var name = $"{stack}.block.0.layer.0.SelfAttention.relative_attention_bias.weight";
        if (!weights.Contains(name))
            throw new CheckpointException(config.SourcePath, name,
                $"the checkpoint has no '{name}': T5 computes its relative position bias in the first block of each stack and shares it with the others.");
        int heads = stack == "decoder" ? config.DecoderAttentionHeads : config.EncoderAttentionHeads;
        return new T5RelativePositionBias(weights, name, config.RelativeAttentionNumBuckets, heads, config.RelativeAttentionMaxDistance, bidirectional);
    }
}

/// <summary>The encoder <c>T5Stack</c>: embeddings (unscaled), blocks sharing the first block's bidirectional bias, final RMS norm.</summary>
internal sealed class T5Encoder : IDisposable
{
    private readonly TokenEmbedding _tokens;
    private readonly T5RelativePositionBias _bias;
    private readonly T5EncoderBlock[] _blocks;
    private readonly T5LayerNorm _finalNorm;

    public T5Encoder(IWeightSource weights, ModelConfig config, TokenEmbedding tokens)
    {
        _tokens = tokens;
        _bias = T5BiasLoader.Load(weights, "encoder", config, bidirectional: true);
        _blocks = Enumerable.Range(0, config.EncoderLayers).Select(i => new T5EncoderBlock(weights, $"encoder.block.{i}", config)).ToArray();
        _finalNorm = new T5LayerNorm(weights, "encoder.final_layer_norm", config.DModel, config.LayerNormEps);
    }

    /// <summary>Encodes <c>[batch, len]</c> ids; padding (mask 0) gets no attention. Returns <c>[batch, len, d_model]</c> after the final norm.</summary>
    public Tensor Forward(Tensor ids, Tensor attentionMask)
    {
        var hidden = _tokens.Forward(ids);
        long length = ids.shape[1];
        var bias = _bias.Forward(0, length, length, hidden.device).add(AttentionMasks.Padding(attentionMask, hidden.dtype), Scalars.One);
        foreach (var block in _blocks) hidden = block.Forward(hidden, bias);
        return _finalNorm.Forward(hidden);
    }

    public void Dispose()
    {
        _bias.Dispose();
        _finalNorm.Dispose();
        foreach (var block in _blocks) block.Dispose();
    }
}

/// <summary>The decoder <c>T5Stack</c>: steps after the cached prefix, the first block's causal bias shared by all, final RMS norm.</summary>
internal sealed partial class T5Decoder : IDisposable
{
    private readonly TokenEmbedding _tokens;
    private readonly T5RelativePositionBias _bias;
    private readonly T5LayerNorm _finalNorm;

    public T5Decoder(IWeightSource weights, ModelConfig config, TokenEmbedding tokens)
    {
        _tokens = tokens;
        _bias = T5BiasLoader.Load(weights, "decoder", config, bidirectional: false);
        Blocks = Enumerable.Range(0, config.DecoderLayers).Select(i => new T5DecoderBlock(weights, $"decoder.block.{i}", config)).ToArray();
        _finalNorm = new T5LayerNorm(weights, "decoder.final_layer_norm", config.DModel, config.LayerNormEps);
    }

    public T5DecoderBlock[] Blocks { get; }

    /// <summary>Decodes <paramref name="ids"/> <c>[batch, steps]</c> following the cached prefix.</summary>
    public Tensor Forward(Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory)
    {
        long past = cache.Length, steps = ids.shape[1];
        var hidden = _tokens.Forward(ids);
        var bias = _bias.Forward(past, steps, past + steps, hidden.device);
        if (steps > 1) bias = bias.add(AttentionMasks.Causal(steps, past, hidden.dtype, hidden.device), Scalars.One);
        hidden = cache.Step(steps, () =>
        {
            for (int i = 0; i < Blocks.Length; i++) hidden = Blocks[i].Forward(hidden, bias, cache, i, memory);
            return hidden;
        });
        return _finalNorm.Forward(hidden);
    }

    public void Dispose()
    {
        _bias.Dispose();
        _finalNorm.Dispose();
        foreach (var block in Blocks) block.Dispose();
    }
}
