using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// The one way a grain gets a document's shards into its silo, shared by summary grains (every shard, to decode locally)
/// and shard grains (one each): this silo's memory, then the durable store (<see cref="ShardRepository"/>), then the
/// document grain's silo, which holds them after encoding, and last the document grain re-encodes what is lost
/// everywhere (counted and logged). Calls to the document grain are followed past the grain-call timeout and through
/// the loss of its silo (<see cref="RetryPolicy.FollowAsync"/>), so re-encoding many evicted shards never fails a job by
/// taking long. All or nothing: the caller gets a lease on every shard it asked for, or an exception and none.
/// </summary>
public sealed class ShardAcquisition(ShardRepository repository, IGrainFactory grains, IOptions<SummarizerOptions> options, ILogger<ShardAcquisition> logger,
    Telemetry.SummarizerMetrics metrics)
{
    /// <summary>One transfer between silos carries at most about this many bytes of shards.</summary>
    private const long TransferBytes = 64L << 20;

    private readonly TimeSpan _outageLimit = options.Value.OutageLimit;

    /// <summary>
    /// Leases shards <paramref name="indices"/> of <paramref name="document"/> in this silo. <paramref name="sizes"/> (the
    /// manifest's stored bytes per index) groups transfers; <paramref name="worker"/> is the queue that deserializes
    /// (the inference threads unless given).
    /// </summary>
    public async Task<AcquiredShards> AcquireAsync(DocumentKey document, IReadOnlyList<int> indices, IReadOnlyDictionary<int, long>? sizes,
        IInferenceQueue? worker, CancellationToken cancellationToken)
    {
        var key = document.ToString();
        var (leases, missing) = await repository.AcquireAsync(key, indices, cancellationToken, worker);
        var position = indices.Select((index, p) => (index, p)).ToDictionary(x => x.index, x => x.p);
        long encoderRuns = 0;
        try
        {
            var grain = grains.GetGrain<IDocumentGrain>(key);
            Task Alive() => grain.GetProgressAsync();
            // Not in this silo's memory nor the durable store: the document grain's silo may still hold them.
            foreach (var batch in Batches(missing, sizes))
            {
                var fetch = metrics.StartShardFetch(Telemetry.ShardSource.Peer); // telemetry
                var blobs = await RetryPolicy.FollowAsync(() => grain.ExportShardsAsync(batch), Alive, cancellationToken, logger, "Exporting shards", _outageLimit);
                fetch.Done(batch.Length, blobs.Count(b => b is not null)); // telemetry
                await ImportAsync(batch.Zip(blobs).Where(p => p.Second is not null).Select(p => (p.First, p.Second!)).ToArray());
            }
            // Lost everywhere (evicted with no durable store behind, or corrupt): re-encoded, however long that takes.
            foreach (var batch in Batches(Missing(), sizes))
            {
                var repaired = await RetryPolicy.FollowAsync(() => grain.RepairAsync(batch), Alive, cancellationToken, logger, "Re-encoding lost shards", _outageLimit);
                encoderRuns += repaired.EncoderRuns;
                await ImportAsync(repaired.Indices.Zip(repaired.Shards).ToArray());
            }
            if (Missing() is { Length: > 0 } lost)
                throw new StorageUnavailableException($"{lost.Length} of the document's shards could not be stored or loaded (is the K/V store available?).", transient: true);
            return new AcquiredShards(leases!, encoderRuns);
        }
        catch
        {
            // The caller gets none of them, so none may stay leased (they would pin evicted shards in memory).
            foreach (var l in leases) l?.Dispose();
            throw;
        }

        int[] Missing() => indices.Where((_, p) => leases[p] is null).ToArray();

        async Task ImportAsync(IReadOnlyList<(int Index, byte[] Blob)> found)
        {
            foreach (var (shardKey, lease) in await repository.ImportAsync(found.Select(f => (new ShardKey(document, f.Index), f.Blob)).ToArray(), cancellationToken, worker))
            {
                leases[position[shardKey.Index]]?.Dispose();
                leases[position[shardKey.Index]] = lease;
            }
        }
    }

    /// <summary>Groups shard indices so one transfer carries at most about <see cref="TransferBytes"/>.</summary>
    private static IEnumerable<int[]> Batches(IReadOnlyList<int> indices, IReadOnlyDictionary<int, long>? sizes)
    {
        var batch = new List<int>();
        long bytes = 0;
        foreach (var i in indices)
        {
            long size = sizes?.GetValueOrDefault(i) ?? TransferBytes;
            if (batch.Count > 0 && bytes + size > TransferBytes)
            {
                yield return batch.ToArray();
                batch.Clear();
                bytes = 0;
            }
            batch.Add(i);
            bytes += size;
        }
        if (batch.Count > 0) yield return batch.ToArray();
    }
}

/// <summary>Leases on every shard a caller asked for, in the order asked, and the encoder runs re-encoding lost ones cost.</summary>
public sealed class AcquiredShards(ShardLease[] leases, long encoderRuns) : IDisposable
{
    /// <summary>The leases, in the order the indices were asked for.</summary>
    public IReadOnlyList<ShardLease> Leases { get; } = leases;

    /// <summary>Encoder runs spent re-encoding shards found nowhere.</summary>
    public long EncoderRuns { get; } = encoderRuns;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var l in Leases) l.Dispose();
    }
}
