using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>
/// The decoder's self-attention keys and values for the tokens decoded so far, one pair per layer, each
/// <c>[rows, heads, length, headDim]</c>. Tensors are detached from dispose scopes and owned here, so per-step
/// scopes can free everything else. A step extends every layer first and commits at its end: a step that fails
/// half-way (a cross-attention memory that throws, say) is discarded and leaves the cache as it was, so the job can
/// be stepped again alone or dropped without harm to the jobs it was batched with.
/// <para>
/// Each layer's keys and values live in a buffer with room to grow (<c>[rows, heads, capacity, headDim]</c>, half again
/// as large when full): a step writes its position in place and attends a view of the first positions. Concatenating the
/// cache with each new position instead (what Hugging Face does) copies the whole cache every step: for eight jobs at
/// 128 positions, 38 MB a step (docs/benchmarks.md, "Self-attention cache in place"). Each
/// head's keys stay contiguous in the view, so attention computes exactly what it computed over the concatenation.
/// Positions at and after <see cref="Length"/> are not part of the cache: a step's writes there become part of it only
/// when committed.
/// </para>
/// </summary>
public sealed class SelfAttentionCache : IDisposable
{
    /// <summary>Positions a layer's first buffer holds at least.</summary>
    internal const long InitialCapacity = 16;

    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;
    private readonly long[] _staged;   // positions this step wrote after Length, per layer (0: not extended yet)

    internal SelfAttentionCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
        _staged = new long[layers];
    }

    /// <summary>How many positions are cached (committed).</summary>
    public long Length { get; private set; }

    /// <summary>Positions layer 0's buffer holds before it must grow (0 before the first step).</summary>
    internal long Capacity => _keys[0]?.shape[2] ?? 0;

    /// <summary>
    /// The layer's cached keys and values followed by <paramref name="keys"/> and <paramref name="values"/> (this
    /// step's), kept as pending until <see cref="Commit"/>.
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        if (_staged[layer] != 0) throw new InvalidOperationException($"Layer {layer} was already extended in this step.");
        long steps = keys.shape[2], length = Length + steps;
        _keys[layer] = Room(_keys[layer], keys, length);
        _values[layer] = Room(_values[layer], values, length);
        using (var slot = _keys[layer]!.narrow(2, Length, steps)) slot.copy_(keys);
        using (var slot = _values[layer]!.narrow(2, Length, steps)) slot.copy_(values);
        _staged[layer] = steps;
        return (_keys[layer]!.narrow(2, 0, length), _values[layer]!.narrow(2, 0, length));
    }

    /// <summary>A buffer shaped like <paramref name="like"/> with room for <paramref name="length"/> positions, holding the committed ones.</summary>
    private Tensor Room(Tensor? buffer, Tensor like, long length)
    {
        if (buffer is not null && buffer.shape[0] != like.shape[0])
            throw new InvalidOperationException($"The cache holds {buffer.shape[0]} rows; the step has {like.shape[0]}.");
        long capacity = buffer?.shape[2] ?? 0;
        if (length <= capacity) return buffer!;
        // Half again: a handful of copies over a 140-token summary, with little room left unused.
        long grown = Math.Max(length, Math.Max(InitialCapacity, capacity + capacity / 2));
        var next = empty([like.shape[0], like.shape[1], grown, like.shape[3]], dtype: like.dtype, device: like.device).DetachFromDisposeScope();
        if (buffer is not null)
        {
            if (Length > 0)
            {
                using var kept = buffer.narrow(2, 0, Length);
                using var slot = next.narrow(2, 0, Length);
                slot.copy_(kept);
            }
            buffer.Dispose();
        }
        return next;
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
        Array.Clear(_staged);
        Length += steps;
    }

    /// <summary>Forgets a step that did not complete; the cache is as it was before the step.</summary>
    internal void Discard() => Array.Clear(_staged);

    /// <summary>
    /// Forgets committed positions from <paramref name="length"/> on: undoes steps whose results were lost after the
    /// cache had taken them (the batch's logits could not be read, say), so the job can decode them again.
    /// </summary>
    internal void Truncate(long length)
    {
        if (length < 0 || length > Length) throw new ArgumentOutOfRangeException(nameof(length), length, $"The cache holds {Length} positions.");
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
            _keys[i] = Select(_keys[i]!, rows);
            _values[i] = Select(_values[i]!, rows);
        }
    }

    /// <summary>The named rows' committed positions in a buffer of the same capacity.</summary>
    private Tensor Select(Tensor buffer, Tensor rows)
    {
        var next = empty([rows.shape[0], buffer.shape[1], buffer.shape[2], buffer.shape[3]], dtype: buffer.dtype, device: buffer.device).DetachFromDisposeScope();
        if (Length > 0)
        {
            using var committed = buffer.narrow(2, 0, Length);
            using var kept = committed.index_select(0, rows);
            using var slot = next.narrow(2, 0, Length);
            slot.copy_(kept);
        }
        buffer.Dispose();
        return next;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Discard();
        foreach (var t in _keys) t?.Dispose();
        foreach (var t in _values) t?.Dispose();
    }
}
