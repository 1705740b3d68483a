namespace Summarizer.Model.Configuration;

/// <summary>The feed-forward activation named by <c>activation_function</c> in config.json.</summary>
public enum ActivationFunction
{
    /// <summary>"gelu": exact GELU using the error function.</summary>
    Gelu,

    /// <summary>"gelu_new" (also "gelu_pytorch_tanh"): the tanh approximation of GELU.</summary>
    GeluNew,

    /// <summary>"relu".</summary>
    Relu,

    /// <summary>"silu" or its alias "swish".</summary>
    Silu,

    /// <summary>"tanh".</summary>
    Tanh,
}
