using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

/// <summary>
/// <c>T5LayerFF</c>'s dense part: <c>wo(act(wi x))</c> (original T5, ReLU) or, when gated, <c>wo(act(wi_0 x) · wi_1 x)</c>
/// (T5 v1.1, Flan-T5, mT5 with gelu_new). No biases.
/// </summary>
internal sealed class T5FeedForward : IDisposable
{
    private readonly Linear? _wi, _wi0, _wi1;
    private readonly Linear _wo;
    private readonly Func<Tensor, Tensor> _activation;

    public T5FeedForward(IWeightSource weights, string prefix, ModelConfig config)
    {
        if (config.IsGatedActivation)
        {
            _wi0 = new Linear(weights, prefix + ".wi_0", config.DModel, config.EncoderFfnDim, bias: false);
            _wi1 = new Linear(weights, prefix + ".wi_1", config.DModel, config.EncoderFfnDim, bias: false);
        }
        else
        {
            _wi = new Linear(weights, prefix + ".wi", config.DModel, config.EncoderFfnDim, bias: false);
        }
        _wo = new Linear(weights, prefix + ".wo", config.EncoderFfnDim, config.DModel, bias: false);
        _activation = Activation.Resolve(config.ActivationFunction);
    }

    public Tensor Forward(Tensor x) =>
        _wo.Forward(_wi is not null ? _activation(_wi.Forward(x)) : _activation(_wi0!.Forward(x)).mul(_wi1!.Forward(x)));

    public void Dispose()
    {
        _wi?.Dispose();
        _wi0?.Dispose();
        _wi1?.Dispose();
        _wo.Dispose();
    }
}
