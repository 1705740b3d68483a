using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using TorchSharp;

namespace Summarizer.Model.Network;

/// <summary>
/// An encoder-decoder network with its LM head, whatever its family: what sharding, encoding and decoding need and
/// nothing more. The encoder runs on windows; every decoder layer's cross-attention K/V is projected once per shard;
/// the decoder extends a <see cref="SelfAttentionCache"/> and reads the document only through an
/// <see cref="ICrossAttentionMemory"/>, given queries already projected and scaled (by head_dim^-0.5 for BART,
/// by 1 for T5, whose attention is unscaled).
/// </summary>
public interface IEncoderDecoderNetwork : IDecoderNetwork, IDisposable
{
    /// <summary>The configuration the network was built from.</summary>
    ModelConfig Config { get; }

    /// <summary>Number of decoder layers, i.e. how many K/V pairs a shard holds.</summary>
    int DecoderLayerCount { get; }

    /// <summary>Cross-attention heads per decoder layer.</summary>
    int CrossAttentionHeads { get; }

    /// <summary>Dimension of one cross-attention head.</summary>
    int CrossAttentionHeadDim { get; }

    /// <summary>Runs the encoder on <c>[batch, len]</c> ids with a 1/0 attention mask; returns <c>[batch, len, d_model]</c> after the final norm.</summary>
    torch.Tensor Encode(torch.Tensor ids, torch.Tensor attentionMask);

    /// <summary>
    /// Projects encoder states <c>[n, len, d_model]</c> into each decoder layer's cross-attention keys and values,
    /// each <c>[n, heads, len, headDim]</c>. Done once per shard; decoding never recomputes them.
    /// </summary>
    IReadOnlyList<(torch.Tensor Keys, torch.Tensor Values)> ProjectCrossKeyValues(torch.Tensor encoderStates);
}
