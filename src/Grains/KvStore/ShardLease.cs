using Summarizer.Model.KvCache;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// A hold on a cached shard: while any lease is open, eviction cannot dispose the shard's tensors under a reader.
/// </summary>
public sealed class ShardLease : IDisposable
{
    private readonly Action _release;
    private readonly Func<ShardLease?>? _share;
    private int _released;

    internal ShardLease(KvShard shard, Action release, Func<ShardLease?>? share = null)
    {
        Shard = shard;
        _release = release;
        _share = share;
    }

    /// <summary>
    /// Another lease on the same shard, independent of this one, or null when this lease is released (the shard may be
    /// gone). Lets another grain in the silo read a shard this lease's holder keeps, without trusting its lifetime.
    /// </summary>
    public ShardLease? TryShare() => Volatile.Read(ref _released) == 0 ? _share?.Invoke() : null;

    /// <summary>The leased shard; valid until this lease is disposed.</summary>
    public KvShard Shard { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}
