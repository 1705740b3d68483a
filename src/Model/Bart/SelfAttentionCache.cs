using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>
/// The decoder's self-attention keys and values for the tokens decoded so far, one pair per layer, each
/// <c>[rows, heads, length, headDim]</c>. Tensors are detached from dispose scopes and owned here, so per-step
/// scopes can free everything else. A step extends every layer first and commits at its end: a step that fails
/// half-way (a cross-attention memory that throws, say) is discarded and leaves the cache as it was, so the job can
/// be stepped again alone or dropped without harm to the jobs it was batched with.
/// </summary>
public sealed class SelfAttentionCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly Tensor?[] _stagedKeys;
    private readonly Tensor?[] _stagedValues;

    internal SelfAttentionCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _stagedKeys = new Tensor?[layers];
        _stagedValues = new Tensor?[layers];
    }

    /// <summary>How many positions are cached (committed).</summary>
    public long Length { get; private set; }

    /// <summary>
    /// The layer's cached keys and values followed by <paramref name="keys"/> and <paramref name="values"/> (this
    /// step's), kept as pending until <see cref="Commit"/>.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        if (_stagedKeys[layer] is not null) throw new InvalidOperationException($"Layer {layer} was already extended in this step.");
        var k = _keys[layer] is null ? keys.alias() : cat([_keys[layer]!, keys], 2);
        var v = _values[layer] is null ? values.alias() : cat([_values[layer]!, values], 2);
        _stagedKeys[layer] = k.DetachFromDisposeScope();
        _stagedValues[layer] = v.DetachFromDisposeScope();
        return (k, v);
    }

    /// <summary>
    /// Runs one decoder pass of <paramref name="steps"/> positions that extends every layer through
    /// <see cref="Append"/>, and commits it only if it completes: a pass that throws leaves the cache as it was.
    /// </summary>
    internal T Step<T>(long steps, Func<T> pass)
    {
        T result;
        try
        {
            result = pass();
        }
        catch
        {
            Discard();
            throw;
        }
        Commit(steps);
        return result;
    }

    /// <summary>Makes this step's keys and values part of the cache, <paramref name="steps"/> positions longer.</summary>
    internal void Commit(long steps)
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_stagedKeys[i] is null) continue;
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
            _keys[i] = _stagedKeys[i];
            _values[i] = _stagedValues[i];
            _stagedKeys[i] = _stagedValues[i] = null;
        }
        Length += steps;
    }

    /// <summary>Forgets a step that did not complete; the cache is as it was before the step.</summary>
    internal void Discard()
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            _stagedKeys[i]?.Dispose();
            _stagedValues[i]?.Dispose();
            _stagedKeys[i] = _stagedValues[i] = null;
        }
    }

    /// <summary>
    /// Forgets committed positions from <paramref name="length"/> on: undoes steps whose results were lost after the
    /// cache had taken them (the batch's logits could not be read, say), so the job can decode them again.
    /// </summary>
    internal void Truncate(long length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"The cache holds {Length} positions.");
        if (length == Length) return;
        for (int i = 0; i < _keys.Length; i++)
        {
            if (_keys[i] is null) continue;
            var k = length == 0 ? null : _keys[i]!.narrow(2, 0, length).DetachFromDisposeScope();
            var v = length == 0 ? null : _values[i]!.narrow(2, 0, length).DetachFromDisposeScope();
            _keys[i]!.Dispose();
            _values[i]!.Dispose();
            _keys[i] = k;
            _values[i] = v;
        }
        Length = length;
    }

    /// <summary>
    /// Keeps the rows named by <paramref name="rows"/> (beam reordering), in that order; naming a row several times
    /// copies it (a resumed beam search starts every beam from the one prefix row).
    /// </summary>
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
        Discard();
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
    }
}
