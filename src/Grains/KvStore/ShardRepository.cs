using Microsoft.Extensions.Logging;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Resilience;
using Summarizer.Model.KvCache;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// Where grains put and find shards: the silo's memory cache in front of the optional durable blob store (Redis).
/// Stored shards go to both; a shard missing from memory is fetched from the blob store and cached; a shard in
/// neither is reported missing so the document grain re-encodes it. Deserialization runs on an inference thread. The
/// durable store's outages are waited out (<see cref="StoreCalls"/>) for up to the silo's outage limit.
/// </summary>
public sealed class ShardRepository
{
    private readonly MemoryShardCache _memory;
    private readonly IShardBlobStore? _durable;
    private readonly IInferenceQueue _worker;
    private readonly ModelHost _models;
    private readonly ILogger<ShardRepository> _logger;
    private readonly TimeSpan _outageLimit;
    private readonly Telemetry.SummarizerMetrics? _metrics;
    private long _durableHits, _durableMisses;

    private const string Store = "K/V store";

    /// <summary>
    /// Creates the repository; <paramref name="durable"/> is null when only memory is configured; its outages are waited
    /// out for <paramref name="outageLimit"/>, and <paramref name="metrics"/> (the silo's) counts and times the fetches from it.
    /// </summary>
    public ShardRepository(MemoryShardCache memory, IShardBlobStore? durable, IInferenceQueue worker, ModelHost models, TimeSpan outageLimit, ILogger<ShardRepository> logger,
        Telemetry.SummarizerMetrics? metrics = null)
    {
        _outageLimit = outageLimit;
        _metrics = metrics;
        _models = models;
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
    /// Stores shards (taking ownership): serialized to the durable store first (the compact hidden form when given,
    /// else the K/V), so a shard in memory is always recoverable, then the K/V cached in memory. Returns the stored
    /// byte size of each: the durable blob when there is one, else the K/V payload.
    /// </summary>
    public async Task<long[]> StoreAsync(IReadOnlyList<(ShardKey Key, KvShard Shard, HiddenShard? Hidden)> shards, CancellationToken cancellationToken = default)
    {
        var sizes = shards.Select(s => s.Shard.PayloadBytes).ToArray();
        try
        {
            if (_durable is not null)
            {
                var blobs = await _worker.RunAsync(_ => shards.Select(s =>
                    (s.Key, s.Hidden is null ? KvShardSerializer.Serialize(s.Shard) : KvShardSerializer.Serialize(s.Hidden))).ToList(), cancellationToken);
                await StoreCalls.RunAsync(Store, () => _durable.PutAsync(blobs, cancellationToken), _outageLimit, _logger, cancellationToken);
                sizes = blobs.Select(b => (long)b.Item2.Length).ToArray();
            }
        }
        catch
        {
            foreach (var s in shards) s.Shard.Dispose();
            throw;
        }
        finally
        {
            foreach (var s in shards) s.Hidden?.Dispose();
        }
        foreach (var (key, shard, _) in shards) _memory.Add(key, shard);
        return sizes;
    }

    /// <summary>
    /// Leases every shard of a document that can be found. The caller disposes the leases; <c>Missing</c> lists
    /// indices found nowhere.
    /// </summary>
    public Task<(ShardLease?[] Leases, int[] Missing)> AcquireAsync(string documentKey, int shardCount, CancellationToken cancellationToken = default) =>
        AcquireAsync(documentKey, Enumerable.Range(0, shardCount).ToArray(), cancellationToken);

    /// <summary>
    /// Leases the shards <paramref name="indices"/> of a document; <c>Leases[i]</c> is the lease of
    /// <c>indices[i]</c> or null, and <c>Missing</c> lists the shard indices found nowhere.
    /// </summary>
    public async Task<(ShardLease?[] Leases, int[] Missing)> AcquireAsync(string documentKey, IReadOnlyList<int> indices, CancellationToken cancellationToken = default, IInferenceQueue? worker = null)
    {
        var leases = new ShardLease?[indices.Count];
        var position = new Dictionary<int, int>();
        var absent = new List<int>();
        for (int p = 0; p < indices.Count; p++)
        {
            position[indices[p]] = p;
            if (_memory.TryAcquire(ShardKey.For(documentKey, indices[p]), out var lease)) leases[p] = lease;
            else absent.Add(indices[p]);
        }
        if (absent.Count > 0 && _durable is not null)
        {
            try
            {
                var keys = absent.Select(i => ShardKey.For(documentKey, i)).ToArray();
                var fetch = _metrics?.StartShardFetch(Telemetry.ShardSource.Redis);
                var blobs = await StoreCalls.RunAsync(Store, () => _durable.GetAsync(keys, cancellationToken), _outageLimit, _logger, cancellationToken);
                fetch?.Done(keys.Length, blobs.Count(b => b is not null));
                var found = new List<(ShardKey Key, byte[] Blob)>();
                for (int j = 0; j < keys.Length; j++)
                {
                    if (blobs[j] is { } blob) found.Add((keys[j], blob));
                }
                Interlocked.Add(ref _durableHits, found.Count);
                Interlocked.Add(ref _durableMisses, keys.Length - found.Count);
                foreach (var lease in await ImportAsync(found, cancellationToken, worker)) leases[position[lease.Key.Index]] = lease.Lease;
            }
            catch
            {
                // The caller gets no leases, so none may stay held (they would pin evicted shards in memory).
                foreach (var l in leases) l?.Dispose();
                throw;
            }
        }
        var missing = indices.Where((_, p) => leases[p] is null).ToArray();
        return (leases, missing);
    }

    /// <summary>
    /// Caches serialized shards (from the durable store or another silo) in this silo's memory and leases them.
    /// A blob that fails its checks is logged and skipped, so the shard counts as missing.
    /// </summary>
    public async Task<IReadOnlyList<(ShardKey Key, ShardLease Lease)>> ImportAsync(IReadOnlyList<(ShardKey Key, byte[] Blob)> blobs, CancellationToken cancellationToken = default, IInferenceQueue? worker = null)
    {
        // Hidden-form blobs need the model to project their K/V, once, as they enter this silo's memory.
        bool anyHidden = blobs.Any(b => IsHidden(b.Blob));
        var model = anyHidden ? await _models.GetAsync() : null;
        var shards = await (worker ?? _worker).RunAsync(_ => blobs.Select(f => TryDeserialize(f.Key, f.Blob, model)).ToArray(), cancellationToken);
        var leases = new List<(ShardKey, ShardLease)>();
        for (int j = 0; j < blobs.Count; j++)
        {
            if (shards[j] is { } shard) leases.Add((blobs[j].Key, _memory.AddAndAcquire(blobs[j].Key, shard)));
        }
        return leases;
    }

    /// <summary>
    /// Serialized copies of the shards this silo can find (memory first, then the durable store), for a decoder on
    /// another silo; null where a shard is found nowhere.
    /// </summary>
    public async Task<byte[]?[]> ExportAsync(string documentKey, IReadOnlyList<int> indices, CancellationToken cancellationToken = default)
    {
        var (leases, _) = await AcquireAsync(documentKey, indices, cancellationToken);
        try
        {
            return await _worker.RunAsync(_ => leases.Select(l => l is null ? null : KvShardSerializer.Serialize(l.Shard)).ToArray(), cancellationToken);
        }
        finally
        {
            foreach (var l in leases) l?.Dispose();
        }
    }

    private static bool IsHidden(byte[] blob)
    {
        try { return KvShardSerializer.FormatOf(blob) == KvShardSerializer.HiddenFormat; }
        catch (InvalidDataException) { return false; }
    }

    private KvShard? TryDeserialize(ShardKey key, byte[] blob, Summarizer.Model.Pipeline.SummarizationModel? model)
    {
        try
        {
            if (KvShardSerializer.FormatOf(blob) == KvShardSerializer.KvFormat) return KvShardSerializer.Deserialize(blob);
            using var hidden = KvShardSerializer.DeserializeHidden(blob);
            if (model is null || hidden.ModelFingerprint != model.Fingerprint)
                throw new InvalidDataException($"hidden-form shard was encoded by model {hidden.ModelFingerprint}, not the loaded one.");
            return model.Encoder.ProjectHidden(hidden);
        }
        catch (InvalidDataException e)
        {
            _logger.LogError("Shard {Shard} in the durable store is unusable and will be re-encoded: {Reason}", key, e.Message);
            return null;
        }
    }
}
