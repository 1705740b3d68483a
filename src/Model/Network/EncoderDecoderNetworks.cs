using Summarizer.Model.Bart;
using Summarizer.Model.Configuration;
using Summarizer.Model.Layers;
using Summarizer.Model.T5;
using TorchSharp;

namespace Summarizer.Model.Network;

/// <summary>Builds the network a configuration's <c>model_type</c> names.</summary>
public static class EncoderDecoderNetworks
{
    /// <summary>Loads the network for <paramref name="config"/> from Hugging Face-named parameters, on <paramref name="device"/> (CPU when null).</summary>
    public static IEncoderDecoderNetwork Create(IWeightSource weights, ModelConfig config, torch.Device? device = null) =>
        config.Network switch
        {
            NetworkArchitecture.T5 => new T5Model(weights, config, device),
            _ => new BartModel(weights, config, device),
        };

    /// <summary>Every parameter a checkpoint of this family holds, by Hugging Face name and shape, in HF's order.</summary>
    public static IReadOnlyList<(string Name, long[] Shape)> ParameterLayout(ModelConfig config) =>
        config.Network == NetworkArchitecture.T5 ? T5ParameterLayout.For(config) : BartParameterLayout.For(config);

    /// <summary>Number of distinct parameters (tied embeddings counted once).</summary>
    public static long ParameterCount(ModelConfig config) =>
        ParameterLayout(config).Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));
}
