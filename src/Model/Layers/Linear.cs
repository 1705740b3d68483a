using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>An affine projection <c>x W^T + b</c> with Hugging Face's <c>.weight</c>/<c>.bias</c> names.</summary>
internal sealed class Linear : IDisposable
{
    public Linear(IWeightSource weights, string prefix, long inFeatures, long outFeatures, bool bias = true)
    {
        Weight = weights.Load(prefix + ".weight", [outFeatures, inFeatures]);
        Bias = bias ? weights.Load(prefix + ".bias", [outFeatures]) : null;
    }

    public Tensor Weight { get; }

    public Tensor? Bias { get; }

    public Tensor Forward(Tensor x) => BatchedProducts.Linear(x, Weight, Bias);

    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
    }
}
