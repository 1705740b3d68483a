using Summarizer.Model.Attention;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

// The BART family (BART, DistilBART, mBART, PEGASUS) as Hugging Face's modeling_bart.py computes it, read bottom up:
// embeddings, attention, layers, encoder, decoder, model. Parameters carry Hugging Face's names so checkpoints load
// unchanged. Nothing here knows about shards: the decoder's cross-attention goes through ICrossAttentionMemory.

/// <summary>Token embeddings shared by encoder, decoder and (when tied) the LM head.</summary>
internal sealed class TokenEmbedding : IDisposable
{
    public TokenEmbedding(Tensor weight, double scale)
    {
        Weight = weight;
        Scale = scale;
    }

    public Tensor Weight { get; }

    /// <summary>sqrt(d_model) when <c>scale_embedding</c>, else 1.</summary>
    public double Scale { get; }

    public Tensor Forward(Tensor ids)
    {
        var embedded = Weight.index_select(0, ids.flatten()).view([.. ids.shape, Weight.shape[1]]);
        return Scale == 1.0 ? embedded : Scalars.With(Scale, s => embedded.mul(s));
    }

    public void Dispose() => Weight.Dispose();
}

/// <summary>
/// Position embeddings: learned with BART's offset of 2 (the first two rows are reserved by fairseq history), or
/// PEGASUS's fixed sinusoids (sines in the first half of the vector, cosines in the second).
/// </summary>
internal sealed class PositionEmbedding : IDisposable
{
    private readonly Tensor _table;
    private readonly int _offset;

    public PositionEmbedding(IWeightSource weights, string prefix, ModelConfig config, Device device)
    {
        if (config.StaticPositionEmbeddings)
        {
            _table = Sinusoids(config.MaxPositionEmbeddings, config.DModel).to(device);
            _offset = 0;
        }
        else
        {
            _offset = config.PositionOffset;
            _table = weights.Load(prefix + ".weight", [config.MaxPositionEmbeddings + _offset, config.DModel]);
        }
        MaxPositions = config.MaxPositionEmbeddings;
    }

    public int MaxPositions { get; }

    /// <summary>Embeddings for positions <c>start .. start+length-1</c>, shape <c>[length, d_model]</c>.</summary>
    public Tensor Forward(long start, long length)
    {
        if (start + length > MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(length), $"Positions up to {start + length} exceed max_position_embeddings ({MaxPositions}).");
        return _table.narrow(0, start + _offset, length);
    }

    private static Tensor Sinusoids(int positions, int dim)
    {
        var table = new float[positions * dim];
        int sentinel = dim % 2 == 0 ? dim / 2 : dim / 2 + 1;
        for (int pos = 0; pos < positions; pos++)
        {
            for (int j = 0; j < dim; j++)
            {
                double angle = pos / Math.Pow(10000, 2.0 * (j / 2) / dim);
                // Even j feed the sine half, odd j the cosine half, as PegasusSinusoidalPositionalEmbedding lays them out.
                int column = j % 2 == 0 ? j / 2 : sentinel + j / 2;
                table[pos * dim + column] = (float)(j % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
        return tensor(table, [positions, dim]);
    }

    public void Dispose() => _table.Dispose();
}

/// <summary>Multi-head attention projections. The query is scaled by head_dim^-0.5 before the dot product, as in HF.</summary>
internal sealed class BartAttention : IDisposable
{
    private readonly Linear _q, _k, _v, _out;

    public BartAttention(IWeightSource weights, string prefix, int dModel, int heads)
    {
        Heads = heads;
        HeadDim = dModel / heads;
        Scaling = Math.Pow(HeadDim, -0.5);
        _q = new Linear(weights, prefix + ".q_proj", dModel, dModel);
        _k = new Linear(weights, prefix + ".k_proj", dModel, dModel);
        _v = new Linear(weights, prefix + ".v_proj", dModel, dModel);
        _out = new Linear(weights, prefix + ".out_proj", dModel, dModel);
    }

    public int Heads { get; }

    public int HeadDim { get; }

    public double Scaling { get; }

    /// <summary><c>[batch, len, d]</c> to <c>[batch, heads, len, headDim]</c>.</summary>
    public Tensor SplitHeads(Tensor x) => x.view(x.shape[0], x.shape[1], Heads, HeadDim).transpose(1, 2);

    public Tensor ProjectQuery(Tensor hidden) => SplitHeads(Scalars.With(Scaling, s => _q.Forward(hidden).mul(s)));

    /// <summary>Keys and values of <paramref name="hidden"/>, each <c>[batch, heads, len, headDim]</c>.</summary>
    public (Tensor Keys, Tensor Values) ProjectKeyValues(Tensor hidden) =>
        (SplitHeads(_k.Forward(hidden)), SplitHeads(_v.Forward(hidden)));

    /// <summary>Merges heads back and applies the output projection.</summary>
    public Tensor Output(Tensor context)
    {
        var merged = context.transpose(1, 2).reshape(context.shape[0], context.shape[2], Heads * HeadDim);
        return _out.Forward(merged);
    }

    /// <summary>Plain softmax attention; <paramref name="additiveMask"/> broadcasts to <c>[batch, heads, q, k]</c>.</summary>
    public static Tensor Attend(Tensor query, (Tensor Keys, Tensor Values) kv, Tensor? additiveMask) => Attend(query, kv.Keys, kv.Values, additiveMask);

    /// <summary>Plain softmax attention; <paramref name="additiveMask"/> broadcasts to <c>[batch, heads, q, k]</c>.</summary>
    public static Tensor Attend(Tensor query, Tensor keys, Tensor values, Tensor? additiveMask)
    {
        var scores = query.matmul(keys.transpose(-1, -2));
        if (additiveMask is not null) scores = scores.add(additiveMask, Scalars.One);
        return scores.softmax(-1).matmul(values);
    }

    public void Dispose()
    {
        _q.Dispose();
        _k.Dispose();
        _v.Dispose();
        _out.Dispose();
    }
}

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
internal sealed class DecoderLayer : IDisposable
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
        hidden = SubLayer.Apply(hidden, _crossAttentionNorm, _preNorm, h => CrossAttention.Output(memory.Attend(layer, CrossAttention.ProjectQuery(h))));
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
internal sealed class BartDecoder : IDisposable
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
        for (int i = 0; i < Layers.Length; i++) hidden = Layers[i].Forward(hidden, causal, cache, i, memory);
        cache.Advance(steps);
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

/// <summary>
/// A BART-family encoder-decoder with its LM head (<c>BartForConditionalGeneration</c>). Load it with
/// the constructor; encode windows with <see cref="Encode"/>, project their
/// cross-attention K/V with <see cref="ProjectCrossKeyValues"/>, decode with <see cref="DecodeStep"/>.
/// </summary>
public sealed class BartModel : IDisposable
{
    private readonly TokenEmbedding _shared;
    private readonly BartEncoder _encoder;
    private readonly BartDecoder _decoder;
    private readonly Tensor _lmHead;
    private readonly bool _ownsLmHead;
    private readonly Tensor? _finalLogitsBias;

    /// <summary>
    /// Builds the model from Hugging Face-named parameters (with or without the <c>model.</c> prefix), on
    /// <paramref name="device"/> (CPU when null).
    /// </summary>
    public BartModel(IWeightSource weights, ModelConfig config, Device? device = null)
    {
        Config = config;
        Device = device ?? CPU;
        if (Device.type != DeviceType.CPU) weights = new DeviceWeightSource(weights, Device);
        using var _ = no_grad();
        string root = weights.Contains("model.shared.weight") || weights.Contains("model.encoder.embed_tokens.weight") ? "model." : "";
        long[] embeddingShape = [config.VocabSize, config.DModel];
        var sharedName = weights.Contains(root + "shared.weight") ? root + "shared.weight" : root + "encoder.embed_tokens.weight";
        _shared = new TokenEmbedding(weights.Load(sharedName, embeddingShape), config.ScaleEmbedding ? Math.Sqrt(config.DModel) : 1.0);
        _encoder = new BartEncoder(weights, root + "encoder", config, _shared);
        _decoder = new BartDecoder(weights, root + "decoder", config, _shared);
        if (!config.TieWordEmbeddings && weights.Contains("lm_head.weight"))
        {
            _lmHead = weights.Load("lm_head.weight", embeddingShape);
            _ownsLmHead = true;
        }
        else
        {
            _lmHead = _shared.Weight;
        }
        _finalLogitsBias = weights.Contains("final_logits_bias") ? weights.Load("final_logits_bias", [1, config.VocabSize]) : null;
    }

    /// <summary>The configuration this model was built from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Where the weights live and the forward passes run.</summary>
    public Device Device { get; }

    /// <summary>Number of decoder layers, i.e. how many K/V pairs a shard holds.</summary>
    public int DecoderLayerCount => _decoder.Layers.Length;

    /// <summary>Cross-attention heads per decoder layer.</summary>
    public int CrossAttentionHeads => _decoder.Layers[0].CrossAttention.Heads;

    /// <summary>Dimension of one cross-attention head.</summary>
    public int CrossAttentionHeadDim => _decoder.Layers[0].CrossAttention.HeadDim;

    /// <summary>Runs the encoder on <c>[batch, len]</c> ids with a 1/0 attention mask; returns <c>[batch, len, d_model]</c>.</summary>
    public Tensor Encode(Tensor ids, Tensor attentionMask) => _encoder.Forward(ids, attentionMask);

    /// <summary>
    /// Projects encoder states <c>[n, len, d_model]</c> into each decoder layer's cross-attention keys and values,
    /// each <c>[n, heads, len, headDim]</c>. Done once per shard; decoding never recomputes them.
    /// </summary>
    public IReadOnlyList<(Tensor Keys, Tensor Values)> ProjectCrossKeyValues(Tensor encoderStates) =>
        _decoder.Layers.Select(l => l.CrossAttention.ProjectKeyValues(encoderStates)).ToArray();

    /// <summary>
    /// Decodes <paramref name="ids"/> <c>[batch, steps]</c> after the prefix in <paramref name="cache"/>, attending to
    /// <paramref name="memory"/>, and returns the logits of the last step <c>[batch, vocab]</c>.
    /// </summary>
    public Tensor DecodeStep(Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory)
    {
        var hidden = _decoder.Forward(ids, cache, memory);
        var last = hidden.select(1, hidden.shape[1] - 1);
        var logits = last.matmul(_lmHead.t());
        return _finalLogitsBias is null ? logits : logits.add(_finalLogitsBias, Scalars.One);
    }

    /// <summary>A fresh, empty self-attention cache for decoding.</summary>
    public SelfAttentionCache CreateCache() => new(DecoderLayerCount);

    /// <inheritdoc />
    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
        if (_ownsLmHead) _lmHead.Dispose();
        _finalLogitsBias?.Dispose();
        _shared.Dispose();
    }
}
