using Microsoft.Extensions.Logging;
using Summarizer.Grains.Inference;
using Summarizer.Model.KvCache;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// Where grains put and find shards: the silo's memory cache in front of the optional durable blob store (Redis).
/// Stored shards go to both; a shard missing from memory is fetched from the blob store and cached; a shard in
/// neither is reported missing so the document grain re-encodes it. Deserialization runs on an inference thread.
/// </summary>
public sealed class ShardRepository
{
    private readonly MemoryShardCache _memory;
    private readonly IShardBlobStore? _durable;
    private readonly InferenceWorker _worker;
    private readonly ILogger<ShardRepository> _logger;
    private long _durableHits, _durableMisses;

    /// <summary>Creates the repository; <paramref name="durable"/> is null when only memory is configured.</summary>
    public ShardRepository(MemoryShardCache memory, IShardBlobStore? durable, InferenceWorker worker, ILogger<ShardRepository> logger)
    {
        _memory = memory;
        _durable = durable;
        _worker = worker;
        _logger = logger;
    }

    /// <summary>Whether a durable store backs the memory cache.</summary>
    public bool IsDurable => _durable is not null;

    /// <summary>The memory tier.</summary>
    public MemoryShardCache Memory => _memory;

    /// <summary>Shards read back from the durable store.</summary>
    public long DurableHits => Interlocked.Read(ref _durableHits);

    /// <summary>
    /// Stores shards (taking ownership): serialized to the durable store first, so a shard in memory is always
    /// recoverable, then cached in memory. Returns the stored byte size of each.
    /// </summary>
    public async Task<long[]> StoreAsync(IReadOnlyList<(ShardKey Key, KvShard Shard)> shards, CancellationToken cancellationToken = default)
    {
        var sizes = shards.Select(s => s.Shard.PayloadBytes).ToArray();
        if (_durable is not null)
        {
            var blobs = await _worker.RunAsync(_ => shards.Select(s => (s.Key, KvShardSerializer.Serialize(s.Shard))).ToList(), cancellationToken);
            await _durable.PutAsync(blobs, cancellationToken);
            sizes = blobs.Select(b => (long)b.Item2.Length).ToArray();
        }
        foreach (var (key, shard) in shards) _memory.Add(key, shard);
        return sizes;
    }

    /// <summary>
    /// Leases every shard of a document that can be found. The caller disposes the leases; <c>Missing</c> lists
    /// indices found nowhere.
    /// </summary>
    public async Task<(ShardLease?[] Leases, int[] Missing)> AcquireAsync(string documentKey, int shardCount, CancellationToken cancellationToken = default)
    {
        var leases = new ShardLease?[shardCount];
        var absent = new List<int>();
        for (int i = 0; i < shardCount; i++)
        {
            if (_memory.TryAcquire(ShardKey.For(documentKey, i), out var lease)) leases[i] = lease;
            else absent.Add(i);
        }
        if (absent.Count > 0 && _durable is not null)
        {
            var keys = absent.Select(i => ShardKey.For(documentKey, i)).ToArray();
            var blobs = await _durable.GetAsync(keys, cancellationToken);
            var found = new List<(ShardKey Key, byte[] Blob)>();
            for (int j = 0; j < keys.Length; j++)
            {
                if (blobs[j] is { } blob) found.Add((keys[j], blob));
            }
            Interlocked.Add(ref _durableHits, found.Count);
            Interlocked.Add(ref _durableMisses, keys.Length - found.Count);
            var shards = await _worker.RunAsync(_ => found.Select(f => TryDeserialize(f.Key, f.Blob)).ToArray(), cancellationToken);
            for (int j = 0; j < found.Count; j++)
            {
                if (shards[j] is null) continue;
                leases[found[j].Key.Index] = _memory.AddAndAcquire(found[j].Key, shards[j]!);
            }
        }
        var missing = Enumerable.Range(0, shardCount).Where(i => leases[i] is null).ToArray();
        if (missing.Length > 0)
            _logger.LogWarning("Document {Document}: {Missing} of {Total} shards are in no store and must be re-encoded.", documentKey, missing.Length, shardCount);
        return (leases, missing);
    }

    private KvShard? TryDeserialize(ShardKey key, byte[] blob)
    {
        try
        {
            return KvShardSerializer.Deserialize(blob);
        }
        catch (InvalidDataException e)
        {
            _logger.LogError("Shard {Shard} in the durable store is unusable and will be re-encoded: {Reason}", key, e.Message);
            return null;
        }
    }
}
