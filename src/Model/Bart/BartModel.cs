using Summarizer.Model.Attention;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

// The BART family (BART, DistilBART, mBART, PEGASUS) as Hugging Face's modeling_bart.py computes it, read bottom up
// across Bart/*.cs: embeddings, attention, layers, stacks, model. Parameters carry Hugging Face's names so checkpoints
// load unchanged. Nothing here knows about shards: the decoder's cross-attention goes through ICrossAttentionMemory.

/// <summary>
/// A BART-family encoder-decoder with its LM head (<c>BartForConditionalGeneration</c>). Load it with
/// the constructor; encode windows with <see cref="Encode"/>, project their
/// cross-attention K/V with <see cref="ProjectCrossKeyValues"/>, decode with <see cref="DecodeStep"/>.
/// </summary>
public sealed partial class BartModel : IEncoderDecoderNetwork
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
        return Logits(hidden.select(1, hidden.shape[1] - 1));
    }

    /// <summary>The LM head: <c>[..., d_model]</c> hidden states to logits <c>[..., vocab]</c>.</summary>
    private Tensor Logits(Tensor hidden)
    {
        var logits = LmHead.Logits(hidden, _lmHead);
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
