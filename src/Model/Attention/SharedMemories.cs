using Summarizer.Model.KvCache;
using TorchSharp;

namespace Summarizer.Model.Attention;

/// <summary>
/// The cross-attention memories of the documents a model is decoding, one per document and attention mode, shared by
/// every job decoding that document at the same time. Without it each job stacks its own copy of the same shards
/// (bart-base at 8,192 source tokens: about 300 MB a job), and jobs on one exact memory have their cross-attention
/// folded into one call per layer (<see cref="ICrossAttentionMemory.FoldKey"/>): the K/V are read once a step for all of
/// them. The first job builds the memory; the last one to leave disposes it. Thread-safe.
/// </summary>
public sealed class SharedMemories
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Document, CrossAttentionMode Mode), Entry> _entries = [];

    /// <summary>Documents with a memory in use.</summary>
    public int Count
    {
        get { lock (_gate) return _entries.Count; }
    }

    /// <summary>
    /// A lease on <paramref name="document"/>'s memory in <paramref name="mode"/>, stacked from <paramref name="shards"/>
    /// on <paramref name="device"/> by the first caller (later callers' shards are the same document's and are not read).
    /// Disposing the lease gives it back.
    /// </summary>
    public ICrossAttentionMemory Acquire(string document, CrossAttentionMode mode, IReadOnlyList<KvShard> shards, torch.Device? device)
    {
        var key = (document, mode);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var held)) return held.Lease(this, key);
        }
        // Stacked outside the lock (it copies the whole document); a job that raced this one keeps the first memory made.
        var built = new ShardedCrossAttention(shards, mode, device);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var raced))
            {
                built.Dispose();
                return raced.Lease(this, key);
            }
            var entry = new Entry(built);
            _entries[key] = entry;
            return entry.Lease(this, key);
        }
    }

    private void Release((string, CrossAttentionMode) key, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Users > 0) return;
            _entries.Remove(key);
        }
        entry.Memory.Dispose();
    }

    private sealed class Entry(ShardedCrossAttention memory)
    {
        public ShardedCrossAttention Memory { get; } = memory;

        public int Users { get; set; }

        /// <summary>Called under the owner's lock.</summary>
        public ICrossAttentionMemory Lease(SharedMemories owner, (string, CrossAttentionMode) key)
        {
            Users++;
            return new Leased(owner, key, this);
        }
    }

    private sealed class Leased(SharedMemories owner, (string, CrossAttentionMode) key, Entry entry) : ICrossAttentionMemory, IDisposable
    {
        private int _released;

        public object? FoldKey => entry.Memory.FoldKey;

        public torch.Tensor Attend(int layer, torch.Tensor query, int positions = 1) => entry.Memory.Attend(layer, query, positions);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) owner.Release(key, entry);
        }
    }
}
