namespace Summarizer.Model.Configuration;

/// <summary>Hugging Face spellings of <see cref="ActivationFunction"/>.</summary>
internal static class ActivationFunctionNames
{
    public const string SupportedList = "gelu, gelu_new, gelu_pytorch_tanh, relu, silu, swish, tanh";

    public static ActivationFunction? FromName(string name) => name switch
    {
        "gelu" => ActivationFunction.Gelu,
        "gelu_new" or "gelu_pytorch_tanh" => ActivationFunction.GeluNew,
        "relu" => ActivationFunction.Relu,
        "silu" or "swish" => ActivationFunction.Silu,
        "tanh" => ActivationFunction.Tanh,
        _ => null,
    };

    public static string ToName(ActivationFunction function) => function switch
    {
        ActivationFunction.Gelu => "gelu",
        ActivationFunction.GeluNew => "gelu_new",
        ActivationFunction.Relu => "relu",
        ActivationFunction.Silu => "silu",
        ActivationFunction.Tanh => "tanh",
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, null),
    };
}
