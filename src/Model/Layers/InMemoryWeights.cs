using TorchSharp;

namespace Summarizer.Model.Layers;

/// <summary>
/// Parameters held in a dictionary, by Hugging Face name. Random checkpoints are generated into one before they are
/// written to disk; tests build models from one directly.
/// </summary>
public sealed class InMemoryWeights : IWeightSource, IDisposable
{
    private readonly Dictionary<string, torch.Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Parameter names in insertion order.</summary>
    public IReadOnlyList<string> Names => _order;

    private readonly List<string> _order = [];

    /// <summary>Adds (and takes ownership of) a parameter.</summary>
    public void Add(string name, torch.Tensor tensor)
    {
        _tensors.Add(name, tensor.DetachFromDisposeScope());
        _order.Add(name);
    }

    /// <summary>The stored tensor of <paramref name="name"/> (not a copy).</summary>
    public torch.Tensor this[string name] => _tensors[name];

    /// <inheritdoc />
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <inheritdoc />
    public torch.Tensor Load(string name, long[] expectedShape)
    {
        if (!_tensors.TryGetValue(name, out var t)) throw new KeyNotFoundException($"Parameter '{name}' is missing.");
        if (!t.shape.SequenceEqual(expectedShape))
            throw new ArgumentException($"Parameter '{name}' has shape [{string.Join(", ", t.shape)}]; expected [{string.Join(", ", expectedShape)}].");
        return t.to_type(torch.ScalarType.Float32).clone().DetachFromDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
    }
}
