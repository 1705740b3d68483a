using Microsoft.Extensions.Logging;
using Summarizer.Contracts;
using Summarizer.Grains.Distributed;
using Summarizer.Grains.KvStore;
using Summarizer.Model.Attention;
using Summarizer.Model.Attribution;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// What a job's decoder attends over, by decode mode: its document's shards leased into this silo
/// (<see cref="DecodeMode.Local"/>, through <see cref="ShardAcquisition"/>), or the document's shard grains wherever
/// placement put them (<see cref="DecodeMode.Distributed"/>, only their key summaries here). <see cref="Create"/> builds
/// the memory on the decoding thread.
/// </summary>
internal sealed class DecoderMemory : IDisposable
{
    private readonly AcquiredShards? _leased;

    private DecoderMemory(Func<ICrossAttentionMemory> create, AcquiredShards? leased, ShardGrainPartials? scatter, AttentionTrace? attribution = null)
    {
        Create = create;
        _leased = leased;
        Scatter = scatter;
        Attribution = attribution;
    }

    /// <summary>Builds the memory (on the thread that decodes).</summary>
    public Func<ICrossAttentionMemory> Create { get; }

    /// <summary>The shard grains' partial source, in distributed mode (round trips and bytes for the statistics).</summary>
    public ShardGrainPartials? Scatter { get; }

    /// <summary>
    /// The trace the memory stages the last decoder layer's attention in, when the job asked for attribution (local
    /// mode only: scattered partials never come back with their weights).
    /// </summary>
    public AttentionTrace? Attribution { get; }

    /// <summary>Encoder runs spent re-encoding shards found nowhere (local mode).</summary>
    public long RepairRuns => _leased?.EncoderRuns ?? 0;

    /// <summary>Leases every shard of the document in this silo; with <paramref name="attribution"/>, the memory records attention.</summary>
    public static async Task<DecoderMemory> LocalAsync(ShardAcquisition acquisition, DocumentManifest manifest, SummarizationModel model,
        SummaryOptions options, bool attribution, CancellationToken cancellationToken)
    {
        using var span = Telemetry.SummarizerActivities.StartShardLoad(manifest.ShardCount); // telemetry
        var leased = await acquisition.AcquireAsync(DocumentKey.Parse(manifest.DocumentKey), Enumerable.Range(0, manifest.ShardCount).ToArray(),
            manifest.Shards.ToDictionary(s => s.Index, s => s.Bytes), worker: null, cancellationToken);
        var shards = leased.Leases.Select(l => l.Shard).ToArray();
        // A job recording attribution has a memory of its own (its trace is its own); the others share their document's.
        if (attribution)
        {
            var trace = new AttentionTrace(model.Template);
            return new DecoderMemory(() => new ShardedCrossAttention(shards, options.CrossAttention, model.Network.Device, trace), leased, null, trace);
        }
        // Shared by the document's identity and its sharding: jobs that see another manifest of it never share a memory.
        var identity = string.Join('|', manifest.DocumentKey, manifest.ShardLength, manifest.ShardOverlap, manifest.ShardCount, manifest.Format);
        return new DecoderMemory(() => model.Memories.Acquire(identity, options.CrossAttention, shards, model.Network.Device), leased, null);
    }

    /// <summary>Has every shard grain of the document load its shard where placement put it; returns where they are.</summary>
    public static async Task<ShardLayout> PlaceShardsAsync(IGrainFactory grains, DocumentManifest manifest, TimeSpan outageLimit, ILogger logger,
        CancellationToken cancellationToken)
    {
        var document = DocumentKey.Parse(manifest.DocumentKey);
        var shardGrains = Enumerable.Range(0, manifest.ShardCount).Select(i => grains.GetGrain<IShardGrain>(document.ShardKey(i))).ToArray();
        // A shard grain may have to re-encode its shard, which can take longer than a grain call may: followed, with the
        // document grain's progress as the sign of life.
        var documentGrain = grains.GetGrain<IDocumentGrain>(manifest.DocumentKey);
        var summaries = await Task.WhenAll(shardGrains.Select(g => RetryPolicy.FollowAsync(() => g.PrepareAsync(), () => documentGrain.GetProgressAsync(),
            cancellationToken, logger, "Preparing a shard", outageLimit)));
        return new ShardLayout(shardGrains, summaries);
    }

    /// <summary>Scatters queries to the shard grains of <paramref name="layout"/>.</summary>
    public static DecoderMemory Distributed(ShardLayout layout, SummarizationModel model, SummaryOptions options, TimeSpan outageLimit, ILogger logger)
    {
        var scatter = new ShardGrainPartials(layout.Grains, layout.Summaries.Select(s => s.Silo).ToArray(), outageLimit, logger);
        var summaries = layout.Summaries.Select(s => new ShardKeyMeans(s.MeanKeys, s.LogLength)).ToArray();
        return new DecoderMemory(() => new ScatteredCrossAttention(scatter, summaries, model.Network.CrossAttentionHeads, options.CrossAttention), null, scatter);
    }

    /// <inheritdoc />
    public void Dispose() => _leased?.Dispose();
}

/// <summary>A document's shard grains and where each holds its shard.</summary>
internal sealed record ShardLayout(IShardGrain[] Grains, ShardKeySummary[] Summaries)
{
    /// <summary>Shards per silo.</summary>
    public IReadOnlyDictionary<SiloAddress, int> BySilo => Summaries.Where(s => s.Address is not null).GroupBy(s => s.Address!).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Silos holding shards.</summary>
    public int SiloCount => Summaries.Select(s => s.Silo).Distinct().Count();
}
