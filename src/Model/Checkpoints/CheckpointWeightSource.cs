using Summarizer.Model.Layers;
using TorchSharp;

namespace Summarizer.Model.Checkpoints;

/// <summary>Feeds a model from a checkpoint directory's safetensors, converting every parameter to float32.</summary>
internal sealed class CheckpointWeightSource(CheckpointWeights weights) : IWeightSource
{
    public bool Contains(string name) => weights.Contains(name);

    public torch.Tensor Load(string name, long[] expectedShape) =>
        weights.Load(name, torch.ScalarType.Float32, expectedShape).DetachFromDisposeScope();
}
