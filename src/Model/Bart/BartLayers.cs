using Summarizer.Model.Attention;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>
/// A residual block with its layer norm: after the residual sum (post-norm, BART) or on the block's input
/// (pre-norm, mBART and PEGASUS), as <c>normalize_before</c> says.
/// </summary>
internal static class SubLayer
{
    public static Tensor Apply(Tensor hidden, LayerNorm norm, bool preNorm, Func<Tensor, Tensor> block) =>
        preNorm ? hidden.add(block(norm.Forward(hidden)), Scalars.One) : norm.Forward(hidden.add(block(hidden), Scalars.One));
}

/// <summary>Self-attention then feed-forward, post-norm (BART) or pre-norm (mBART, PEGASUS).</summary>
internal sealed class EncoderLayer : IDisposable
{
    private readonly BartAttention _selfAttention;
    private readonly LayerNorm _selfAttentionNorm, _finalNorm;
    private readonly Linear _fc1, _fc2;
    private readonly Func<Tensor, Tensor> _activation;
    private readonly bool _preNorm;

    public EncoderLayer(IWeightSource weights, string prefix, ModelConfig config)
    {
        _selfAttention = new BartAttention(weights, prefix + ".self_attn", config.DModel, config.EncoderAttentionHeads);
        _selfAttentionNorm = new LayerNorm(weights, prefix + ".self_attn_layer_norm", config.DModel);
        _fc1 = new Linear(weights, prefix + ".fc1", config.DModel, config.EncoderFfnDim);
        _fc2 = new Linear(weights, prefix + ".fc2", config.EncoderFfnDim, config.DModel);
        _finalNorm = new LayerNorm(weights, prefix + ".final_layer_norm", config.DModel);
        _activation = Activation.Resolve(config.ActivationFunction);
        _preNorm = config.NormalizeBefore;
    }

    public Tensor Forward(Tensor hidden, Tensor? paddingMask)
    {
        hidden = SubLayer.Apply(hidden, _selfAttentionNorm, _preNorm, h =>
            _selfAttention.Output(BartAttention.Attend(_selfAttention.ProjectQuery(h), _selfAttention.ProjectKeyValues(h), paddingMask)));
        return SubLayer.Apply(hidden, _finalNorm, _preNorm, h => _fc2.Forward(_activation(_fc1.Forward(h))));
    }

    public void Dispose()
    {
        _selfAttention.Dispose();
        _selfAttentionNorm.Dispose();
        _finalNorm.Dispose();
        _fc1.Dispose();
        _fc2.Dispose();
    }
}

/// <summary>Causal self-attention with a K/V cache, cross-attention over the document memory, then feed-forward.</summary>
internal sealed partial class DecoderLayer : IDisposable
{
    private readonly BartAttention _selfAttention;
    private readonly LayerNorm _selfAttentionNorm, _crossAttentionNorm, _finalNorm;
    private readonly Linear _fc1, _fc2;
    private readonly Func<Tensor, Tensor> _activation;
    private readonly bool _preNorm;

    public DecoderLayer(IWeightSource weights, string prefix, ModelConfig config)
    {
        _selfAttention = new BartAttention(weights, prefix + ".self_attn", config.DModel, config.DecoderAttentionHeads);
        _selfAttentionNorm = new LayerNorm(weights, prefix + ".self_attn_layer_norm", config.DModel);
        CrossAttention = new BartAttention(weights, prefix + ".encoder_attn", config.DModel, config.DecoderAttentionHeads);
        _crossAttentionNorm = new LayerNorm(weights, prefix + ".encoder_attn_layer_norm", config.DModel);
        _fc1 = new Linear(weights, prefix + ".fc1", config.DModel, config.DecoderFfnDim);
        _fc2 = new Linear(weights, prefix + ".fc2", config.DecoderFfnDim, config.DModel);
        _finalNorm = new LayerNorm(weights, prefix + ".final_layer_norm", config.DModel);
        _activation = Activation.Resolve(config.ActivationFunction);
        _preNorm = config.NormalizeBefore;
    }

    /// <summary>The encoder-decoder attention; its K/V projections are what document shards store.</summary>
    public BartAttention CrossAttention { get; }

    public Tensor Forward(Tensor hidden, Tensor? causalMask, SelfAttentionCache cache, int layer, ICrossAttentionMemory memory)
    {
        hidden = SubLayer.Apply(hidden, _selfAttentionNorm, _preNorm, h =>
        {
            var (k, v) = _selfAttention.ProjectKeyValues(h);
            return _selfAttention.Output(BartAttention.Attend(_selfAttention.ProjectQuery(h), cache.Append(layer, k, v), causalMask));
        });
        hidden = SubLayer.Apply(hidden, _crossAttentionNorm, _preNorm, h => CrossAttention.Output(memory.AttendEachPosition(layer, CrossAttention.ProjectQuery(h))));
        return SubLayer.Apply(hidden, _finalNorm, _preNorm, h => _fc2.Forward(_activation(_fc1.Forward(h))));
    }

    public void Dispose()
    {
        _selfAttention.Dispose();
        _selfAttentionNorm.Dispose();
        CrossAttention.Dispose();
        _crossAttentionNorm.Dispose();
        _fc1.Dispose();
        _fc2.Dispose();
        _finalNorm.Dispose();
    }
}
