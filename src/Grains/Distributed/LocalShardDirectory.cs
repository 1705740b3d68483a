using System.Collections.Concurrent;
using Summarizer.Grains.KvStore;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// The shards this silo's shard grains hold, by key: lets one shard grain answer a step's queries for every shard of
/// the document held in its silo (one call per silo instead of one per shard) by sharing its siblings' leases. A shard
/// grain registers its lease when it loads and removes it when it deactivates; a shard not listed here is asked by a
/// grain call instead, so a stale grouping costs calls, never a wrong answer.
/// </summary>
public sealed class LocalShardDirectory
{
    private readonly ConcurrentDictionary<ShardKey, ShardLease> _held = new();

    /// <summary>Records that this silo holds <paramref name="key"/> under <paramref name="lease"/> (replacing an older entry).</summary>
    public void Register(ShardKey key, ShardLease lease) => _held[key] = lease;

    /// <summary>Forgets <paramref name="key"/> if it is still held under <paramref name="lease"/>.</summary>
    public void Unregister(ShardKey key, ShardLease lease) => _held.TryRemove(new KeyValuePair<ShardKey, ShardLease>(key, lease));

    /// <summary>Whether a shard grain of this silo holds <paramref name="key"/> (a lease may still be refused if it leaves meanwhile).</summary>
    public bool Holds(ShardKey key) => _held.ContainsKey(key);

    /// <summary>A lease of its own on a shard held here, or null (not held here, or released meanwhile).</summary>
    public ShardLease? TryShare(ShardKey key) => _held.TryGetValue(key, out var lease) ? lease.TryShare() : null;
}
