using Summarizer.Model.Configuration;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>The feed-forward activations Hugging Face configs name in <c>activation_function</c>.</summary>
internal static class Activation
{
    public static Func<Tensor, Tensor> Resolve(ActivationFunction function) => function switch
    {
        // HF "gelu" is the exact erf form; "gelu_new" and friends are the tanh approximation.
        ActivationFunction.Gelu => x => nn.functional.gelu(x),
        ActivationFunction.GeluNew => GeluTanh,
        ActivationFunction.Relu => x => nn.functional.relu(x),
        ActivationFunction.Silu => x => nn.functional.silu(x),
        ActivationFunction.Tanh => x => x.tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "Unsupported activation function."),
    };

    private static Tensor GeluTanh(Tensor x)
    {
        // Scalars kept alive across each native call (see Scalars).
        using var cube = x.pow(Scalars.Three);
        using var scaledCube = Scalars.With(0.044715, c => cube.mul(c));
        using var sum = x.add(scaledCube, Scalars.One);
        using var inner = Scalars.With(Math.Sqrt(2.0 / Math.PI), c => sum.mul(c));
        using var t = inner.tanh();
        using var onePlus = t.add(Scalars.OnePointZero, Scalars.One);
        using var halfX = x.mul(Scalars.Half);
        return halfX.mul(onePlus);
    }
}
