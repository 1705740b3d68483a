using Orleans.Runtime;

namespace Summarizer.Contracts;

/// <summary>
/// One grain per (document, shard), keyed by <see cref="DocumentKey.ShardKey"/>: holds that shard's K/V in its silo's memory
/// and answers partial cross-attention for batches of decoder queries. Only queries and partial results cross the
/// network, never K/V. Placement spreads a document's shard grains over the silos.
/// </summary>
[Alias("summarizer.IShardGrain")]
public interface IShardGrain : IGrainWithStringKey
{
    /// <summary>Loads the shard into this silo (memory, Redis, the document's silo, or re-encoding) and returns its key summary.</summary>
    [Alias("Prepare")]
    Task<ShardKeySummary> PrepareAsync();

    /// <summary>Partial attention of the queries to this shard for one decoder layer.</summary>
    [Alias("Attend")]
    Task<PartialAttentionResult> AttendAsync(int layer, QueryBatch queries);

    /// <summary>
    /// Partial attention of the queries for one decoder layer over several shards of this grain's document (this grain's
    /// own among them, the others held in the same silo), merged here by log-sum-exp: one partial per query row, so a
    /// decoding step costs one call per silo, not one per shard. Shards not held in this silo are asked by grain calls.
    /// </summary>
    [Alias("AttendGroup")]
    Task<PartialAttentionResult> AttendGroupAsync(int layer, ShardGroupQuery query);
}

/// <summary>A layer's queries for several shards of one document answered together.</summary>
/// <param name="Shards">The shards' indices in the document, distinct.</param>
/// <param name="Queries">The queries, already projected and scaled.</param>
/// <param name="Hidden"><c>[batch, shards]</c> row-major: the row did not choose that shard (sparse mode); null when
/// every row attends every shard.</param>
[GenerateSerializer, Immutable, Alias("summarizer.ShardGroupQuery")]
public sealed record ShardGroupQuery(
    [property: Id(0)] int[] Shards,
    [property: Id(1)] QueryBatch Queries,
    [property: Id(2)] bool[]? Hidden);

/// <summary>Queries for one decoder layer: <c>[batch, heads, steps, headDim]</c>, already projected and scaled.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.QueryBatch")]
public sealed record QueryBatch(
    [property: Id(0)] int Batch,
    [property: Id(1)] int Heads,
    [property: Id(2)] int Steps,
    [property: Id(3)] int HeadDim,
    [property: Id(4)] float[] Values);

/// <summary>A shard's partial attention: outputs <c>[batch, heads, steps, headDim]</c> and log-sum-exps <c>[batch, heads, steps]</c>.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.PartialAttentionResult")]
public sealed record PartialAttentionResult(
    [property: Id(0)] float[] Output,
    [property: Id(1)] float[] LogSumExp);

/// <summary>
/// What sparse selection needs from a shard without its K/V: per decoder layer, the mean key per head
/// (<c>heads × headDim</c>) and the log of the shard's length; and where the shard is held.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.ShardKeySummary")]
public sealed record ShardKeySummary(
    [property: Id(0)] int Index,
    [property: Id(1)] IReadOnlyList<float[]> MeanKeys,
    [property: Id(2)] float LogLength,
    [property: Id(3)] string Silo,
    [property: Id(4)] SiloAddress? Address = null);
