using Microsoft.Extensions.Logging;
using Orleans.Placement;
using Summarizer.Contracts;
using Summarizer.Grains.KvStore;
using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// Holds one shard's K/V in this silo and answers partial cross-attention for it. Hash-based placement maps each
/// shard's key onto the current silos, which spreads a document's shards evenly over the cluster (and moves only
/// some of them when silos come or go). The
/// partial is a few small matrix products on the shard's own tensors, computed inside the call (no await inside the
/// dispose scope) so TorchSharp's thread-local state never straddles turns.
/// </summary>
[HashBasedPlacement]
public sealed class ShardGrain : Grain, IShardGrain
{
    private readonly ShardRepository _shards;
    private readonly ILogger<ShardGrain> _logger;
    private ShardLease? _lease;
    private ShardKeySummary? _summary;

    /// <summary>Created by Orleans.</summary>
    public ShardGrain(ShardRepository shards, ILogger<ShardGrain> logger)
    {
        _shards = shards;
        _logger = logger;
    }

    /// <summary>The grain key of shard <paramref name="index"/> of a document.</summary>
    public static string KeyOf(string documentKey, int index) => $"{documentKey}#{index}";

    /// <inheritdoc />
    public async Task<ShardKeySummary> PrepareAsync()
    {
        if (_summary is not null) return _summary;
        var key = this.GetPrimaryKeyString();
        int hash = key.LastIndexOf('#');
        string documentKey = key[..hash];
        int index = int.Parse(key[(hash + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        var (leases, missing) = await _shards.AcquireAsync(documentKey, [index]);
        var lease = leases[0];
        if (missing.Length > 0)
        {
            var document = GrainFactory.GetGrain<IDocumentGrain>(documentKey);
            var exported = (await document.ExportShardsAsync([index]))[0];
            if (exported is null)
            {
                var repaired = await document.RepairAsync([index]);
                exported = repaired.Shards[0];
            }
            lease = (await _shards.ImportAsync([(ShardKey.For(documentKey, index), exported)])).Single().Lease;
        }
        _lease = lease!;
        _summary = Summarize(index, _lease);
        _logger.LogDebug("Shard {Shard} is held by {Silo}.", key, RuntimeIdentity);
        return _summary;
    }

    /// <inheritdoc />
    public async Task<PartialAttentionResult> AttendAsync(int layer, QueryBatch queries)
    {
        if (_lease is null) await PrepareAsync();
        var (k, v) = _lease!.Shard.Layers[layer];
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var q = tensor(queries.Values, [queries.Batch, queries.Heads, queries.Steps, queries.HeadDim]);
        var (output, lse) = PartialAttention.Compute(q, k.to_type(ScalarType.Float32).unsqueeze(0), v.to_type(ScalarType.Float32).unsqueeze(0), null);
        return new PartialAttentionResult(output.squeeze(3).contiguous().data<float>().ToArray(), lse.squeeze(3).contiguous().data<float>().ToArray());
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
        return new ShardKeySummary(index, means, (float)Math.Log(Math.Max(1, lease.Shard.ValidLength)), RuntimeIdentity);
    }
}
