using TorchSharp;

namespace Summarizer.Model.Layers;

/// <summary>Moves every parameter to a device (a GPU) as it is loaded, so the host copy is freed at once.</summary>
internal sealed class DeviceWeightSource(IWeightSource inner, torch.Device device) : IWeightSource
{
    public bool Contains(string name) => inner.Contains(name);

    public torch.Tensor Load(string name, long[] expectedShape)
    {
        using var host = inner.Load(name, expectedShape);
        return host.to(device).DetachFromDisposeScope();
    }
}
