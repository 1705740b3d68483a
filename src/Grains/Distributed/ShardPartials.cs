using Summarizer.Contracts;
using Summarizer.Model.Attention;
using static TorchSharp.torch;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// The wire forms of shard attention (<see cref="QueryBatch"/>, <see cref="PartialAttentionResult"/>) mapped to and from
/// the model's (<see cref="QueryRows"/>, <see cref="ShardPartial"/>); the tensor work is <see cref="RemotePartials"/>'.
/// </summary>
public static class ShardPartials
{
    /// <summary>Answers every batch, in order, against one layer's keys and values <c>[heads, length, headDim]</c>, in one pass.</summary>
    public static PartialAttentionResult[] Compute(Tensor keys, Tensor values, IReadOnlyList<QueryBatch> batches) =>
        RemotePartials.Compute(keys, values, batches.Select(ToRows).ToArray()).Select(ToResult).ToArray();

    /// <summary>Answers every group query (all for the same shards, in their order) against those shards' layer K/V, in one pass.</summary>
    public static PartialAttentionResult[] ComputeGroup(IReadOnlyList<(Tensor Keys, Tensor Values)> shards, IReadOnlyList<ShardGroupQuery> batches) =>
        RemotePartials.ComputeGroup(shards, batches.Select(b => new GroupRows(ToRows(b.Queries), b.Hidden)).ToArray()).Select(ToResult).ToArray();

    /// <summary>The model's form of a query batch.</summary>
    public static QueryRows ToRows(QueryBatch b) => new(b.Batch, b.Heads, b.Steps, b.HeadDim, b.Values);

    /// <summary>The wire form of query rows.</summary>
    public static QueryBatch ToBatch(QueryRows r) => new(r.Batch, r.Heads, r.Steps, r.HeadDim, r.Values);

    /// <summary>The wire form of a partial.</summary>
    public static PartialAttentionResult ToResult(ShardPartial p) => new(p.Output, p.LogSumExp);

    /// <summary>The model's form of a partial.</summary>
    public static ShardPartial ToPartial(PartialAttentionResult r) => new(r.Output, r.LogSumExp);
}
