using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Placement;
using Summarizer.Grains.Inference;
using Summarizer.Contracts;
using Summarizer.Grains.KvStore;
using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// Holds one shard's K/V in this silo and answers partial cross-attention for it. Hash-based placement maps each
/// shard's key onto the current silos, which spreads a document's shards evenly over the cluster (and moves only
/// some of them when silos come or go). Reentrant, so calls from every job reading the document meet in the
/// <see cref="QueryCoalescer"/> and share one pass over the K/V per layer; the pass itself, and loading the shard,
/// run on the silo's <see cref="ShardAttentionWorker"/>, never on the Orleans scheduler or the inference threads.
/// </summary>
[HashBasedPlacement]
[Reentrant]
public sealed class ShardGrain : Grain, IShardGrain
{
    private readonly ShardRepository _shards;
    private readonly ShardAttentionWorker _attention;
    private readonly ILogger<ShardGrain> _logger;
    private readonly QueryCoalescer _coalescer;
    private readonly Telemetry.SummarizerMetrics _metrics;
    private Task<ShardKeySummary>? _prepared;
    private ShardLease? _lease;

    /// <summary>Created by Orleans.</summary>
    public ShardGrain(ShardRepository shards, ShardAttentionWorker attention, ILogger<ShardGrain> logger, Telemetry.SummarizerMetrics metrics)
    {
        _metrics = metrics;
        _shards = shards;
        _attention = attention;
        _logger = logger;
        _coalescer = new QueryCoalescer(
            action => _attention.Queue.RunAsync(_ => { action(); return true; }),
            (layer, batches) =>
            {
                _attention.Count(batches.Count);
                var (k, v) = _lease!.Shard.Layers[layer];
                return ShardPartials.Compute(k, v, batches);
            });
    }

    /// <summary>The grain key of shard <paramref name="index"/> of a document.</summary>
    public static string KeyOf(string documentKey, int index) => $"{documentKey}#{index}";

    /// <summary>Requests answered and computations run by this activation (requests exceed computations when batched).</summary>
    public (long Requests, long Computations) Batching => (_coalescer.Requests, _coalescer.Computations);

    /// <inheritdoc />
    public Task<ShardKeySummary> PrepareAsync()
    {
        // Concurrent first calls share one load; a failed load is retried by the next call.
        if (_prepared is null || _prepared.IsFaulted || _prepared.IsCanceled) _prepared = LoadAsync();
        return _prepared;
    }

    private async Task<ShardKeySummary> LoadAsync()
    {
        var key = this.GetPrimaryKeyString();
        int hash = key.LastIndexOf('#');
        string documentKey = key[..hash];
        int index = int.Parse(key[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        var (leases, missing) = await _shards.AcquireAsync(documentKey, [index], worker: _attention.Queue);
        var lease = leases[0];
        if (missing.Length > 0)
        {
            var document = GrainFactory.GetGrain<IDocumentGrain>(documentKey);
            var fetch = _metrics.StartShardFetch(Telemetry.ShardSource.Peer); // telemetry
            var exported = (await document.ExportShardsAsync([index]))[0];
            fetch.Done(1, exported is null ? 0 : 1); // telemetry
            if (exported is null)
            {
                var repaired = await document.RepairAsync([index]);
                exported = repaired.Shards[0];
            }
            lease = (await _shards.ImportAsync([(ShardKey.For(documentKey, index), exported)], worker: _attention.Queue)).Single().Lease;
        }
        _lease = lease!;
        var summary = await _attention.Queue.RunAsync(_ => Summarize(index, _lease));
        _logger.LogDebug("Shard {Shard} is held by {Silo}.", key, RuntimeIdentity);
        return summary;
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

    private ShardKeySummary Summarize(int index, ShardLease lease)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var means = lease.Shard.Layers.Select(l => l.Keys.to_type(ScalarType.Float32).mean([1]).contiguous().data<float>().ToArray()).ToArray();
        return new ShardKeySummary(index, means, (float)Math.Log(Math.Max(1, lease.Shard.ValidLength)), RuntimeIdentity, GrainContext.Address.SiloAddress);
    }
}
