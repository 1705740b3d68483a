using Microsoft.Extensions.Logging;
using Summarizer.Model.KvCache;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// The silo's in-memory shards, bounded by a byte budget with least-recently-used eviction. An evicted shard's
/// tensors are freed once no lease holds it. Thread-safe.
/// </summary>
public sealed class MemoryShardCache : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<ShardKey, LinkedListNode<Entry>> _entries = [];
    private readonly LinkedList<Entry> _lru = new(); // most recent first
    private readonly ILogger<MemoryShardCache> _logger;
    private long _bytes, _evictions;

    /// <summary>Creates a cache holding at most <paramref name="byteBudget"/> bytes of K/V.</summary>
    public MemoryShardCache(long byteBudget, ILogger<MemoryShardCache> logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(byteBudget, 1);
        ByteBudget = byteBudget;
        _logger = logger;
    }

    /// <summary>The budget in bytes.</summary>
    public long ByteBudget { get; }

    /// <summary>Bytes of K/V held now.</summary>
    public long Bytes { get { lock (_gate) return _bytes; } }

    /// <summary>Shards evicted since start.</summary>
    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Shards held now.</summary>
    public int Count { get { lock (_gate) return _entries.Count; } }

    /// <summary>Whether the shard is held (without touching its recency).</summary>
    public bool Contains(ShardKey key)
    {
        lock (_gate) return _entries.ContainsKey(key);
    }

    /// <summary>Leases a held shard and marks it most recently used.</summary>
    public bool TryAcquire(ShardKey key, out ShardLease? lease)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node))
            {
                lease = null;
                return false;
            }
            _lru.Remove(node);
            _lru.AddFirst(node);
            lease = node.Value.Lease();
            return true;
        }
    }

    /// <summary>
    /// Adds a shard (taking ownership) as most recently used, replacing any shard under the same key, then evicts the
    /// least recently used shards until the budget holds. A shard larger than the whole budget is kept alone.
    /// </summary>
    public void Add(ShardKey key, KvShard shard) => AddCore(key, shard, lease: false);

    /// <summary>As <see cref="Add"/>, and leases the shard before anything can evict it.</summary>
    public ShardLease AddAndAcquire(ShardKey key, KvShard shard) => AddCore(key, shard, lease: true)!;

    private ShardLease? AddCore(ShardKey key, KvShard shard, bool lease)
    {
        ShardLease? result = null;
        var evicted = new List<Entry>();
        lock (_gate)
        {
            if (_entries.Remove(key, out var old))
            {
                _lru.Remove(old);
                _bytes -= old.Value.Bytes;
                evicted.Add(old.Value);
            }
            var entry = new Entry(key, shard);
            _entries[key] = _lru.AddFirst(entry);
            _bytes += entry.Bytes;
            if (lease) result = entry.Lease();
            while (_bytes > ByteBudget && _lru.Count > 1)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _entries.Remove(last.Value.Key);
                _bytes -= last.Value.Bytes;
                evicted.Add(last.Value);
                Interlocked.Increment(ref _evictions);
                _logger.LogInformation("Evicted shard {Shard} ({Bytes} bytes) to stay within the {Budget}-byte K/V budget.", last.Value.Key, last.Value.Bytes, ByteBudget);
            }
        }
        foreach (var e in evicted) e.Evict();
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var e in _lru) e.Evict();
            _entries.Clear();
            _lru.Clear();
            _bytes = 0;
        }
    }

    private sealed class Entry(ShardKey key, KvShard shard)
    {
        private int _leases;
        private bool _evicted;

        public ShardKey Key => key;

        public long Bytes { get; } = shard.PayloadBytes;

        public ShardLease Lease()
        {
            lock (this) _leases++;
            return new ShardLease(shard, Release, TryLease);
        }

        // A shard evicted with no lease left is disposed (or about to be): it can no longer be shared.
        private ShardLease? TryLease()
        {
            lock (this)
            {
                if (_evicted && _leases == 0) return null;
                _leases++;
            }
            return new ShardLease(shard, Release, TryLease);
        }

        public void Evict()
        {
            lock (this)
            {
                _evicted = true;
                if (_leases > 0) return;
            }
            shard.Dispose();
        }

        private void Release()
        {
            lock (this)
            {
                if (--_leases > 0 || !_evicted) return;
            }
            shard.Dispose();
        }
    }
}
