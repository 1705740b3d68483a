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
/// <see cref="QueryCoalescer{TKey, TQuery}"/> and share one pass over the K/V per layer; the pass itself, and loading the shard,
/// run on the silo's <see cref="ShardAttentionWorker"/>, never on the Orleans scheduler or the inference threads. The
/// shard is loaded the way every grain gets shards (<see cref="ShardAcquisition"/>). A group call
/// (<see cref="AttendGroupAsync"/>) makes this grain answer for every shard of its document held in its silo, read
/// through the <see cref="LocalShardDirectory"/>, so a decoding step costs one call per silo.
/// </summary>
[HashBasedPlacement]
[Reentrant]
public sealed class ShardGrain : Grain, IShardGrain
{
    private readonly ShardAcquisition _acquisition;
    private readonly ShardAttentionWorker _attention;
    private readonly ILogger<ShardGrain> _logger;
    private readonly LocalShardDirectory _directory;
    private readonly QueryCoalescer<int, QueryBatch> _coalescer;
    private readonly QueryCoalescer<GroupKey, ShardGroupQuery> _groups;
    private Task<ShardKeySummary>? _prepared;
    private ShardLease? _lease;
    private ShardKey _key;

    /// <summary>Created by Orleans.</summary>
    public ShardGrain(ShardAcquisition acquisition, ShardAttentionWorker attention, LocalShardDirectory directory, ILogger<ShardGrain> logger)
    {
        _acquisition = acquisition;
        _attention = attention;
        _directory = directory;
        _logger = logger;
        Task Schedule(Action action) => _attention.Queue.RunAsync(_ => { action(); return true; });
        _coalescer = new QueryCoalescer<int, QueryBatch>(Schedule, (layer, batches) =>
        {
            var (k, v) = _lease!.Shard.Layers[layer];
            return ShardPartials.Compute(k, v, batches);
        }, _attention.Batching);
        _groups = new QueryCoalescer<GroupKey, ShardGroupQuery>(Schedule, (key, batches) => ComputeGroup(key, batches), _attention.Batching);
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
        if (_lease is not null)
        {
            _directory.Unregister(_key, _lease);
            _lease.Dispose();
        }
        _lease = acquired.Leases[0];
        _key = new ShardKey(document, index);
        _directory.Register(_key, _lease);
        var summary = await _attention.Queue.RunAsync(_ => ShardScore.Summarize(_lease.Shard));
        _logger.LogDebug("Shard {Shard} is held by {Silo}.", this.GetPrimaryKeyString(), RuntimeIdentity);
        return new ShardKeySummary(index, summary.MeanKeys, summary.LogLength, RuntimeIdentity, GrainContext.Address.SiloAddress);
    }

    /// <inheritdoc />
    public async Task<PartialAttentionResult> AttendAsync(int layer, QueryBatch queries)
    {
        await PrepareAsync();
        Check(layer, queries);
        return await _coalescer.AttendAsync(layer, queries);
    }

    /// <inheritdoc />
    public async Task<PartialAttentionResult> AttendGroupAsync(int layer, ShardGroupQuery query)
    {
        await PrepareAsync();
        Check(layer, query.Queries);
        var shards = query.Shards;
        if (shards.Length == 0 || shards.Distinct().Count() != shards.Length || shards.Any(s => s < 0) || !shards.Contains(_key.Index))
            throw new ArgumentException("A group lists distinct shard indices of the document, this grain's own among them.", nameof(query));
        if (query.Hidden is { } hidden && hidden.Length != (long)query.Queries.Batch * shards.Length)
            throw new ArgumentException($"Hidden has {hidden.Length} entries for {query.Queries.Batch} rows × {shards.Length} shards.", nameof(query));
        if (shards.All(s => s == _key.Index || _directory.Holds(new ShardKey(_key.Document, s))))
        {
            try
            {
                return await _groups.AttendAsync(new GroupKey(layer, string.Join(',', shards)), query);
            }
            catch (ShardMovedException)
            {
                // A sibling left this silo between the check and the pass: answered shard by shard below.
            }
        }
        // Some shards are held elsewhere (the grouping was made before placement changed): each is asked by a grain call.
        var rows = ShardPartials.ToRows(query.Queries);
        var partials = await Task.WhenAll(shards.Select(s => s == _key.Index
            ? _coalescer.AttendAsync(layer, query.Queries)
            : GrainFactory.GetGrain<IShardGrain>(_key.Document.ShardKey(s)).AttendAsync(layer, query.Queries)));
        return await _attention.Queue.RunAsync(_ => ShardPartials.ToResult(RemotePartials.MergeGroup(partials.Select(ShardPartials.ToPartial).ToArray(), new GroupRows(rows, query.Hidden))));
    }

    /// <summary>One pass over a group's shards for every gathered batch (on the shard-attention thread).</summary>
    private IReadOnlyList<PartialAttentionResult> ComputeGroup(GroupKey key, IReadOnlyList<ShardGroupQuery> batches)
    {
        var shards = batches[0].Shards;
        var leases = new List<ShardLease>(shards.Length);
        try
        {
            foreach (var s in shards)
                leases.Add((s == _key.Index ? _lease!.TryShare() : _directory.TryShare(new ShardKey(_key.Document, s))) ?? throw new ShardMovedException());
            return ShardPartials.ComputeGroup(leases.Select(l => l.Shard.Layers[key.Layer]).ToArray(), batches);
        }
        finally
        {
            foreach (var l in leases) l.Dispose();
        }
    }

    private void Check(int layer, QueryBatch queries)
    {
        var shard = _lease!.Shard;
        if (layer < 0 || layer >= shard.Layers.Count)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"The shard has {shard.Layers.Count} decoder layers.");
        if (queries.Heads != shard.Heads || queries.HeadDim != shard.HeadDim || queries.Batch < 1 || queries.Steps < 1
            || queries.Values.Length != (long)queries.Batch * queries.Heads * queries.Steps * queries.HeadDim)
            throw new ArgumentException($"Queries [{queries.Batch}, {queries.Heads}, {queries.Steps}, {queries.HeadDim}] with {queries.Values.Length} values do not fit a shard of {shard.Heads} heads × {shard.HeadDim}.", nameof(queries));
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_lease is not null)
        {
            _directory.Unregister(_key, _lease);
            _lease.Dispose();
        }
        return Task.CompletedTask;
    }

    private readonly record struct GroupKey(int Layer, string Shards);

    /// <summary>A shard of a group is no longer held in this silo.</summary>
    private sealed class ShardMovedException : Exception;
}
