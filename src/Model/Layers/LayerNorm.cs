using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>Layer normalisation over the last dimension with learned scale and shift.</summary>
internal sealed class LayerNorm : IDisposable
{
    private readonly Tensor _weight;
    private readonly Tensor _bias;
    private readonly long _dim;
    private readonly double _eps;

    public LayerNorm(IWeightSource weights, string prefix, long dim, double eps = 1e-5)
    {
        _weight = weights.Load(prefix + ".weight", [dim]);
        _bias = weights.Load(prefix + ".bias", [dim]);
        _dim = dim;
        _eps = eps;
    }

    public Tensor Forward(Tensor x) => nn.functional.layer_norm(x, [_dim], _weight, _bias, _eps);

    public void Dispose()
    {
        _weight.Dispose();
        _bias.Dispose();
    }
}
