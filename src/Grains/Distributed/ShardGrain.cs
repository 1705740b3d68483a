using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.Grains.KvStore;
using Summarizer.Model.Attention;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// Holds one shard's K/V in this silo and answers partial cross-attention for it. Hash-based placement maps each
/// shard's key onto the current silos, which spreads a document's shards evenly over the cluster (and moves only
/// some of them when silos come or go). Reentrant, so calls from every job reading the document meet in the
/// <see cref="QueryCoalescer"/> and share one pass over the K/V per layer; the pass itself, and loading the shard,
/// run on the silo's <see cref="ShardAttentionWorker"/>, never on the Orleans scheduler or the inference threads. The
/// shard is loaded the way every grain gets shards (<see cref="ShardAcquisition"/>).
/// </summary>
[HashBasedPlacement]
[Reentrant]
public sealed class ShardGrain : Grain, IShardGrain
{
    private readonly ShardAcquisition _acquisition;
    private readonly ShardAttentionWorker _attention;
    private readonly ILogger<ShardGrain> _logger;
    private readonly QueryCoalescer _coalescer;
    private Task<ShardKeySummary>? _prepared;
    private ShardLease? _lease;

    /// <summary>Created by Orleans.</summary>
    public ShardGrain(ShardAcquisition acquisition, ShardAttentionWorker attention, ILogger<ShardGrain> logger)
    {
        _acquisition = acquisition;
        _attention = attention;
        _logger = logger;
        _coalescer = new QueryCoalescer(
            action => _attention.Queue.RunAsync(_ => { action(); return true; }),
            (layer, batches) =>
            {
                var (k, v) = _lease!.Shard.Layers[layer];
                return ShardPartials.Compute(k, v, batches);
            },
            _attention.Batching);
    }

    /// <inheritdoc />
    public Task<ShardKeySummary> PrepareAsync()
    {
        // Concurrent first calls, and a caller repeating a call that outlasted the grain-call timeout, share one load;
        // a failed load is retried by the next call.
        if (_prepared is null || _prepared.IsFaulted || _prepared.IsCanceled) _prepared = LoadAsync();
        return _prepared;
    }

    private async Task<ShardKeySummary> LoadAsync()
    {
        var (document, index) = DocumentKey.ParseShardKey(this.GetPrimaryKeyString());
        var acquired = await _acquisition.AcquireAsync(document, [index], sizes: null, _attention.Queue, CancellationToken.None);
        _lease?.Dispose();
        _lease = acquired.Leases[0];
        var summary = await _attention.Queue.RunAsync(_ => ShardScore.Summarize(_lease.Shard));
        _logger.LogDebug("Shard {Shard} is held by {Silo}.", this.GetPrimaryKeyString(), RuntimeIdentity);
        return new ShardKeySummary(index, summary.MeanKeys, summary.LogLength, RuntimeIdentity, GrainContext.Address.SiloAddress);
    }

    /// <inheritdoc />
    public async Task<PartialAttentionResult> AttendAsync(int layer, QueryBatch queries)
    {
        await PrepareAsync();
        var shard = _lease!.Shard;
        if (layer < 0 || layer >= shard.Layers.Count)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The shard has {shard.Layers.Count} decoder layers.");
        if (queries.Heads != shard.Heads || queries.HeadDim != shard.HeadDim || queries.Batch < 1 || queries.Steps < 1
            || queries.Values.Length != (long)queries.Batch * queries.Heads * queries.Steps * queries.HeadDim)
            throw new ArgumentException($"Queries [{queries.Batch}, {queries.Heads}, {queries.Steps}, {queries.HeadDim}] with {queries.Values.Length} values do not fit a shard of {shard.Heads} heads × {shard.HeadDim}.", nameof(queries));
        return await _coalescer.AttendAsync(layer, queries);
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _lease?.Dispose();
        return Task.CompletedTask;
    }
}
