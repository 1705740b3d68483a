using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>
/// The decoder's self-attention keys and values for the tokens decoded so far, one pair per layer, each
/// <c>[batch, heads, length, headDim]</c>. Tensors are detached from dispose scopes and owned here, so per-step
/// scopes can free everything else.
/// </summary>
public sealed class SelfAttentionCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    internal SelfAttentionCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>How many positions are cached.</summary>
    public long Length { get; private set; }

    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        var k = _keys[layer] is null ? keys.alias() : cat([_keys[layer]!, keys], 2);
        var v = _values[layer] is null ? values.alias() : cat([_values[layer]!, values], 2);
        _keys[layer]?.Dispose();
        _values[layer]?.Dispose();
        _keys[layer] = k.DetachFromDisposeScope();
        _values[layer] = v.DetachFromDisposeScope();
        return (k, v);
    }

    internal void Advance(long steps) => Length += steps;

    /// <summary>Keeps the rows named by <paramref name="rows"/> (beam reordering), in that order.</summary>
    public void Reorder(Tensor rows)
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] is null) continue;
            var k = _keys[i]!.index_select(0, rows).DetachFromDisposeScope();
            var v = _values[i]!.index_select(0, rows).DetachFromDisposeScope();
            _keys[i]!.Dispose();
            _values[i]!.Dispose();
            _keys[i] = k;
            _values[i] = v;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
    }
}
