using Summarizer.Model.Attention;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>Embeds a window of source tokens and runs the encoder layers over it.</summary>
internal sealed class BartEncoder : IDisposable
{
    private readonly TokenEmbedding _tokens;
    private readonly PositionEmbedding _positions;
    private readonly LayerNorm? _embeddingNorm, _finalNorm;
    private readonly EncoderLayer[] _layers;

    public BartEncoder(IWeightSource weights, string prefix, ModelConfig config, TokenEmbedding tokens)
    {
        _tokens = tokens;
        _positions = new PositionEmbedding(weights, prefix + ".embed_positions", config, tokens.Weight.device);
        _embeddingNorm = config.HasLayerNormEmbedding ? new LayerNorm(weights, prefix + ".layernorm_embedding", config.DModel) : null;
        _layers = Enumerable.Range(0, config.EncoderLayers).Select(i => new EncoderLayer(weights, $"{prefix}.layers.{i}", config)).ToArray();
        _finalNorm = config.AddFinalLayerNorm ? new LayerNorm(weights, prefix + ".layer_norm", config.DModel) : null;
    }

    /// <summary>
    /// Encodes <paramref name="ids"/> <c>[batch, len]</c>; <paramref name="attentionMask"/> (1 = token, 0 = padding)
    /// keeps padding out of every query's softmax. Returns <c>[batch, len, d_model]</c>.
    /// </summary>
    public Tensor Forward(Tensor ids, Tensor attentionMask)
    {
        var hidden = _tokens.Forward(ids).add(_positions.Forward(0, ids.shape[1]), Scalars.One);
        if (_embeddingNorm is not null) hidden = _embeddingNorm.Forward(hidden);
        var padding = AttentionMasks.Padding(attentionMask, hidden.dtype);
        foreach (var layer in _layers) hidden = layer.Forward(hidden, padding);
        return _finalNorm is null ? hidden : _finalNorm.Forward(hidden);
    }

    public void Dispose()
    {
        _positions.Dispose();
        _embeddingNorm?.Dispose();
        _finalNorm?.Dispose();
        foreach (var layer in _layers) layer.Dispose();
    }
}

/// <summary>Runs decoder steps against a cross-attention memory, extending a self-attention cache.</summary>
internal sealed partial class BartDecoder : IDisposable
{
    private readonly TokenEmbedding _tokens;
    private readonly PositionEmbedding _positions;
    private readonly LayerNorm? _embeddingNorm, _finalNorm;

    public BartDecoder(IWeightSource weights, string prefix, ModelConfig config, TokenEmbedding tokens)
    {
        _tokens = tokens;
        _positions = new PositionEmbedding(weights, prefix + ".embed_positions", config, tokens.Weight.device);
        _embeddingNorm = config.HasLayerNormEmbedding ? new LayerNorm(weights, prefix + ".layernorm_embedding", config.DModel) : null;
        Layers = Enumerable.Range(0, config.DecoderLayers).Select(i => new DecoderLayer(weights, $"{prefix}.layers.{i}", config)).ToArray();
        _finalNorm = config.AddFinalLayerNorm ? new LayerNorm(weights, prefix + ".layer_norm", config.DModel) : null;
    }

    public DecoderLayer[] Layers { get; }

    /// <summary>Decodes <paramref name="ids"/> <c>[batch, steps]</c> following the cached prefix.</summary>
    public Tensor Forward(Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory)
    {
        long past = cache.Length, steps = ids.shape[1];
        var hidden = _tokens.Forward(ids).add(_positions.Forward(past, steps), Scalars.One);
        if (_embeddingNorm is not null) hidden = _embeddingNorm.Forward(hidden);
        var causal = steps == 1 ? null : AttentionMasks.Causal(steps, past, hidden.dtype, hidden.device);
        hidden = cache.Step(steps, () =>
        {
            for (int i = 0; i < Layers.Length; i++) hidden = Layers[i].Forward(hidden, causal, cache, i, memory);
            return hidden;
        });
        return _finalNorm is null ? hidden : _finalNorm.Forward(hidden);
    }

    public void Dispose()
    {
        _positions.Dispose();
        _embeddingNorm?.Dispose();
        _finalNorm?.Dispose();
        foreach (var layer in Layers) layer.Dispose();
    }
}
