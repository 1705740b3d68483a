using TorchSharp;

namespace Summarizer.Model.Layers;

/// <summary>
/// Where a model's parameters come from, by Hugging Face parameter name. A checkpoint directory is the usual
/// source; tests may use another.
/// </summary>
public interface IWeightSource
{
    /// <summary>Whether a parameter of this name exists.</summary>
    bool Contains(string name);

    /// <summary>
    /// Loads a parameter as a float32 CPU tensor of exactly <paramref name="expectedShape"/>; throws an error naming
    /// the parameter and the file when it is missing or shaped differently.
    /// </summary>
    torch.Tensor Load(string name, long[] expectedShape);
}
