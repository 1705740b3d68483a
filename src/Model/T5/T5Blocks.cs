using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

/// <summary>An encoder <c>T5Block</c>: layer.0 self-attention, layer.1 feed-forward, each pre-norm with a residual.</summary>
internal sealed class T5EncoderBlock : IDisposable
{
    private readonly T5Attention _selfAttention;
    private readonly T5LayerNorm _selfAttentionNorm, _feedForwardNorm;
    private readonly T5FeedForward _feedForward;

    public T5EncoderBlock(IWeightSource weights, string prefix, ModelConfig config)
    {
        _selfAttention = new T5Attention(weights, prefix + ".layer.0.SelfAttention", config.DModel, config.EncoderAttentionHeads, config.EncoderHeadDim);
        _selfAttentionNorm = new T5LayerNorm(weights, prefix + ".layer.0.layer_norm", config.DModel, config.LayerNormEps);
        _feedForward = new T5FeedForward(weights, prefix + ".layer.1.DenseReluDense", config);
        _feedForwardNorm = new T5LayerNorm(weights, prefix + ".layer.1.layer_norm", config.DModel, config.LayerNormEps);
    }

    /// <summary><paramref name="positionBias"/> is the stack's shared bias with the padding mask already added.</summary>
    public Tensor Forward(Tensor hidden, Tensor positionBias)
    {
        var normed = _selfAttentionNorm.Forward(hidden);
        var (k, v) = _selfAttention.ProjectKeyValues(normed);
        hidden = hidden.add(_selfAttention.Output(T5Attention.Attend(_selfAttention.ProjectQuery(normed), k, v, positionBias)), Scalars.One);
        return hidden.add(_feedForward.Forward(_feedForwardNorm.Forward(hidden)), Scalars.One);
    }

    public void Dispose()
    {
        _selfAttention.Dispose();
        _selfAttentionNorm.Dispose();
        _feedForward.Dispose();
        _feedForwardNorm.Dispose();
    }
}

/// <summary>
/// A decoder <c>T5Block</c>: layer.0 causal self-attention over the cache, layer.1 cross-attention (<c>EncDecAttention</c>)
/// through the document memory, layer.2 feed-forward. Shaped like BART's DecoderLayer, so both decoders batch alike.
/// </summary>
internal sealed partial class T5DecoderBlock : IDisposable
{
    private readonly T5Attention _selfAttention;
    private readonly T5LayerNorm _selfAttentionNorm, _crossAttentionNorm, _feedForwardNorm;
    private readonly T5FeedForward _feedForward;

    public T5DecoderBlock(IWeightSource weights, string prefix, ModelConfig config)
    {
        _selfAttention = new T5Attention(weights, prefix + ".layer.0.SelfAttention", config.DModel, config.DecoderAttentionHeads, config.DecoderHeadDim);
        _selfAttentionNorm = new T5LayerNorm(weights, prefix + ".layer.0.layer_norm", config.DModel, config.LayerNormEps);
        CrossAttention = new T5Attention(weights, prefix + ".layer.1.EncDecAttention", config.DModel, config.DecoderAttentionHeads, config.DecoderHeadDim);
        _crossAttentionNorm = new T5LayerNorm(weights, prefix + ".layer.1.layer_norm", config.DModel, config.LayerNormEps);
        _feedForward = new T5FeedForward(weights, prefix + ".layer.2.DenseReluDense", config);
        _feedForwardNorm = new T5LayerNorm(weights, prefix + ".layer.2.layer_norm", config.DModel, config.LayerNormEps);
    }

    /// <summary>The encoder-decoder attention; its K/V projections are what document shards store.</summary>
    public T5Attention CrossAttention { get; }

    /// <summary><paramref name="positionBias"/> is the stack's shared causal bias (with the causal mask when several steps run at once).</summary>
    public Tensor Forward(Tensor hidden, Tensor positionBias, SelfAttentionCache cache, int layer, ICrossAttentionMemory memory)
    {
        var normed = _selfAttentionNorm.Forward(hidden);
        var (k, v) = _selfAttention.ProjectKeyValues(normed);
        var (keys, values) = cache.Append(layer, k, v);
        hidden = hidden.add(_selfAttention.Output(T5Attention.Attend(_selfAttention.ProjectQuery(normed), keys, values, positionBias)), Scalars.One);
        // No position bias and no scaling in cross-attention: per-shard partials merged by log-sum-exp stay exact.
        var query = CrossAttention.ProjectQuery(_crossAttentionNorm.Forward(hidden));
        hidden = hidden.add(CrossAttention.Output(memory.AttendEachPosition(layer, query)), Scalars.One);
        return hidden.add(_feedForward.Forward(_feedForwardNorm.Forward(hidden)), Scalars.One);
    }

    public void Dispose()
    {
        _selfAttention.Dispose();
        _selfAttentionNorm.Dispose();
        CrossAttention.Dispose();
        _crossAttentionNorm.Dispose();
        _feedForward.Dispose();
        _feedForwardNorm.Dispose();
    }
}
