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
        if (buffer is null) return Buffer(like.shape[0], like, Math.Max(length, InitialCapacity));
        if (buffer.shape[0] != like.shape[0])
            throw new InvalidOperationException($"The cache holds {buffer.shape[0]} rows; the step has {like.shape[0]}.");
        long capacity = buffer.shape[2];
        // Half again: a handful of copies over a 140-token summary, with little room left unused.
        return length <= capacity ? buffer : Move(buffer, Math.Max(length, capacity + capacity / 2), rows: null);
    }

    /// <summary>An empty buffer of <paramref name="rows"/> rows and <paramref name="capacity"/> positions, owned here.</summary>
    private static Tensor Buffer(long rows, Tensor like, long capacity) =>
        empty([rows, like.shape[1], capacity, like.shape[3]], dtype: like.dtype, device: like.device).DetachFromDisposeScope();

    /// <summary>
    /// The committed positions of <paramref name="buffer"/> (of the named <paramref name="rows"/>, in that order, when
    /// given) in a new buffer of <paramref name="capacity"/> positions; the old one is disposed.
    /// </summary>
    private Tensor Move(Tensor buffer, long capacity, Tensor? rows)
    {
        var next = Buffer(rows?.shape[0] ?? buffer.shape[0], buffer, capacity);
        if (Length > 0)
        {
            using var committed = buffer.narrow(2, 0, Length);
            using var kept = rows is null ? committed.alias() : committed.index_select(0, rows);
            using var slot = next.narrow(2, 0, Length);
            slot.copy_(kept);
        }
        buffer.Dispose();
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
            _keys[i] = Move(_keys[i]!, _keys[i]!.shape[2], rows);
            _values[i] = Move(_values[i]!, _values[i]!.shape[2], rows);
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
