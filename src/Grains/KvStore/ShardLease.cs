using Summarizer.Model.KvCache;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// A hold on a cached shard: while any lease is open, eviction cannot dispose the shard's tensors under a reader.
/// </summary>
public sealed class ShardLease : IDisposable
{
    private readonly Action _release;
    private int _released;

    internal ShardLease(KvShard shard, Action release)
    {
        Shard = shard;
        _release = release;
    }

    /// <summary>The leased shard; valid until this lease is disposed.</summary>
    public KvShard Shard { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}
