using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

/// <summary>
/// <c>T5ForConditionalGeneration</c> (also mT5's): shared embeddings, encoder and decoder stacks, and the LM head —
/// tied to the embeddings with the decoder output scaled by d_model^-0.5 (original T5), or an untied <c>lm_head</c>
/// with no rescale (T5 v1.1, Flan-T5, mT5).
/// </summary>
public sealed partial class T5Model : IEncoderDecoderNetwork
{
    private readonly TokenEmbedding _shared;
    private readonly T5Encoder _encoder;
    private readonly T5Decoder _decoder;
    private readonly Tensor _lmHead;
    private readonly bool _ownsLmHead;
    private readonly double _outputScale;

    /// <summary>Builds the model from Hugging Face-named parameters, on <paramref name="device"/> (CPU when null).</summary>
    /// <exception cref="CheckpointException">A parameter is missing or mis-shaped, named with the file at fault.</exception>
    public T5Model(IWeightSource weights, ModelConfig config, Device? device = null)
    {
        if (config.Network != NetworkArchitecture.T5) throw new ArgumentException($"model_type '{config.ModelType}' is not a T5 family type.", nameof(config));
        Config = config;
        Device = device ?? CPU;
        if (Device.type != DeviceType.CPU) weights = new DeviceWeightSource(weights, Device);
        using var _ = no_grad();
        long[] embeddingShape = [config.VocabSize, config.DModel];
        // HF ties encoder.embed_tokens and decoder.embed_tokens to shared; a file keeps whichever name survived saving.
        var sharedName = new[] { "shared.weight", "encoder.embed_tokens.weight", "decoder.embed_tokens.weight" }.FirstOrDefault(weights.Contains)
            ?? throw new CheckpointException(config.SourcePath, "shared.weight", "the checkpoint has no token embeddings ('shared.weight', 'encoder.embed_tokens.weight' or 'decoder.embed_tokens.weight').");
        _shared = new TokenEmbedding(weights.Load(sharedName, embeddingShape), 1.0);
        _encoder = new T5Encoder(weights, config, _shared);
        _decoder = new T5Decoder(weights, config, _shared);
        if (config.TieWordEmbeddings)
        {
            _lmHead = _shared.Weight;
            _outputScale = Math.Pow(config.DModel, -0.5);
        }
        else
        {
            if (!weights.Contains("lm_head.weight"))
                throw new CheckpointException(config.SourcePath, "lm_head.weight", "tie_word_embeddings is false, so the checkpoint must hold its own 'lm_head.weight', and it does not.");
            _lmHead = weights.Load("lm_head.weight", embeddingShape);
            _ownsLmHead = true;
            _outputScale = 1.0;
        }
    }

    /// <inheritdoc />
    public ModelConfig Config { get; }

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public int DecoderLayerCount => _decoder.Blocks.Length;

    /// <inheritdoc />
    public int CrossAttentionHeads => _decoder.Blocks[0].CrossAttention.Heads;

    /// <inheritdoc />
    public int CrossAttentionHeadDim => _decoder.Blocks[0].CrossAttention.HeadDim;

    /// <inheritdoc />
    public Tensor Encode(Tensor ids, Tensor attentionMask) => _encoder.Forward(ids, attentionMask);

    /// <inheritdoc />
    public IReadOnlyList<(Tensor Keys, Tensor Values)> ProjectCrossKeyValues(Tensor encoderStates) =>
        _decoder.Blocks.Select(b => b.CrossAttention.ProjectKeyValues(encoderStates)).ToArray();

    /// <inheritdoc />
    public Tensor DecodeStep(Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory)
    {
        var hidden = _decoder.Forward(ids, cache, memory);
        return Logits(hidden.select(1, hidden.shape[1] - 1));
    }

    /// <summary>The LM head: decoder output <c>[..., d_model]</c> (rescaled when tied) to logits <c>[..., vocab]</c>.</summary>
    private Tensor Logits(Tensor hidden)
    {
        if (_outputScale != 1.0) hidden = Scalars.With(_outputScale, s => hidden.mul(s));
        return LmHead.Logits(hidden, _lmHead);
    }

    /// <inheritdoc />
    public SelfAttentionCache CreateCache() => new(DecoderLayerCount);

    /// <inheritdoc />
    public void Dispose()
    {
        _encoder.Dispose();
        _decoder.Dispose();
        if (_ownsLmHead) _lmHead.Dispose();
        _shared.Dispose();
    }
}
