using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>The feed-forward activations Hugging Face configs name in <c>activation_function</c>.</summary>
internal static class Activation
{
    /// <summary>Names accepted in <c>activation_function</c>.</summary>
    public static readonly IReadOnlyList<string> Supported = ["gelu", "gelu_new", "gelu_fast", "gelu_pytorch_tanh", "relu", "silu", "swish", "tanh"];

    public static Func<Tensor, Tensor> Resolve(string name) => name switch
    {
        // HF "gelu" is the exact erf form; the *_new/_fast/_tanh variants are the tanh approximation.
        "gelu" => x => nn.functional.gelu(x),
        "gelu_new" or "gelu_fast" or "gelu_pytorch_tanh" => GeluTanh,
        "relu" => x => nn.functional.relu(x),
        "silu" or "swish" => x => nn.functional.silu(x),
        "tanh" => x => x.tanh(),
        _ => throw new ArgumentException($"Unsupported activation_function '{name}'; supported: {string.Join(", ", Supported)}."),
    };

    private static Tensor GeluTanh(Tensor x)
    {
        using var cube = x.pow(3);
        using var inner = (x + cube * 0.044715) * Math.Sqrt(2.0 / Math.PI);
        using var t = inner.tanh();
        return 0.5 * x * (1.0 + t);
    }
}
