using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

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
