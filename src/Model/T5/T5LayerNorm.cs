using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

// T5 as Hugging Face's modeling_t5.py computes it, read bottom up across T5/*.cs: norm, relative position bias,
// attention, feed-forward, blocks, stacks, model. No linear layer has a bias; attention scores are not scaled.

/// <summary>
/// <c>T5LayerNorm</c>: RMS normalisation, <c>w · x / sqrt(mean(x²) + ε)</c>, with no mean subtraction and no bias; the
/// variance is computed in F32 whatever the activations' type.
/// </summary>
internal sealed class T5LayerNorm : IDisposable
{
    private readonly Tensor _weight;
    private readonly double _epsilon;

    public T5LayerNorm(IWeightSource weights, string prefix, long dim, double epsilon)
    {
        _weight = weights.Load(prefix + ".weight", [dim]);
        _epsilon = epsilon;
    }

    public Tensor Forward(Tensor x)
    {
        var x32 = x.to_type(ScalarType.Float32);
        var variance = x32.mul(x32).mean([-1], keepdim: true);   // torch's pow(2) is this product
        var normed = x.mul(Scalars.With(_epsilon, eps => variance.add(eps, Scalars.One)).rsqrt());
        return _weight.mul(normed.to_type(_weight.dtype));
    }

    public void Dispose()
    {
        _weight.Dispose();
    }
}
