using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>Decoder queries as they travel to a shard held elsewhere: <c>[batch, heads, steps, headDim]</c> row-major F32, already projected and scaled.</summary>
public sealed record QueryRows(int Batch, int Heads, int Steps, int HeadDim, float[] Values);

/// <summary>A shard's partial attention as it travels back: outputs <c>[batch, heads, steps, headDim]</c> and log-sum-exps <c>[batch, heads, steps]</c>.</summary>
public sealed record ShardPartial(float[] Output, float[] LogSumExp);

/// <summary>Queries for several shards held together, and which rows attend which of them.</summary>
/// <param name="Queries">The queries.</param>
/// <param name="Hidden"><c>[batch, shards]</c> row-major: the row did not choose that shard (sparse mode); null when every row attends every shard.</param>
public sealed record GroupRows(QueryRows Queries, bool[]? Hidden);

/// <summary>Where the shards of a document are held when they are not in this process (shard grains on other silos).</summary>
public interface IShardPartialSource
{
    /// <summary>
    /// Partial attention of <paramref name="queries"/> for decoder layer <paramref name="layer"/> over the shards of
    /// <paramref name="selection"/>, each row over only the shards it chose, as partials that merge by log-sum-exp into
    /// the attention output: one per group of shards the source answers together (per silo). Blocks until all are in.
    /// </summary>
    IReadOnlyList<ShardPartial> Attend(int layer, SparseSelection selection, QueryRows queries);
}

/// <summary>
/// The tensor side of attention to a shard held elsewhere: answering a shard's queries where its K/V lives, and
/// turning queries and partials into and out of the flat arrays that cross the network.
/// </summary>
public static class RemotePartials
{
    /// <summary>
    /// One shard's partial attention for several callers' query batches in one pass: the shard's K/V <c>[heads, length,
    /// headDim]</c> is read and widened to F32 once for all of them, then each batch gets its own products. The products
    /// are deliberately not stacked into one: CPU GEMM picks its blocking by matrix size, so a stacked product would round
    /// differently from the caller's own, and a job's tokens must not depend on which other jobs read the document.
    /// </summary>
    public static ShardPartial[] Compute(Tensor keys, Tensor values, IReadOnlyList<QueryRows> batches)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var k = keys.to_type(ScalarType.Float32).unsqueeze(0);
        var v = values.to_type(ScalarType.Float32).unsqueeze(0);
        return batches.Select(b =>
        {
            var (output, lse) = PartialAttention.Compute(Query(b), k, v, null);
            return new ShardPartial(output.squeeze(3).contiguous().data<float>().ToArray(), lse.squeeze(3).contiguous().data<float>().ToArray());
        }).ToArray();
    }

    /// <summary>
    /// Several shards' attention for several callers' query batches, merged per batch by log-sum-exp into one partial
    /// (what a silo returns for the shards it holds): each shard's K/V <c>[heads, length, headDim]</c> is widened to F32
    /// once for all batches, and each batch's rows see only the shards they chose. A row that chose none of them gets
    /// LSE = −∞ and output 0, which weighs nothing in the caller's merge.
    /// </summary>
    public static ShardPartial[] ComputeGroup(IReadOnlyList<(Tensor Keys, Tensor Values)> shards, IReadOnlyList<GroupRows> batches)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var perShard = shards.Select(s =>
        {
            var k = s.Keys.to_type(ScalarType.Float32).unsqueeze(0);
            var v = s.Values.to_type(ScalarType.Float32).unsqueeze(0);
            return batches.Select(b => PartialAttention.Compute(Query(b.Queries), k, v, null)).ToArray();   // [b,h,t,1,d], [b,h,t,1]
        }).ToArray();
        return batches.Select((b, i) => MergeHidden(cat(perShard.Select(p => p[i].Output).ToArray(), 3), cat(perShard.Select(p => p[i].LogSumExp).ToArray(), 3), b)).ToArray();
    }

    /// <summary>
    /// Merges partials computed one shard at a time (in <paramref name="batch"/>'s shard order) into the group's one
    /// partial, hiding from each row the shards it did not choose.
    /// </summary>
    public static ShardPartial MergeGroup(IReadOnlyList<ShardPartial> partials, GroupRows batch)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var q = batch.Queries;
        long[] outputShape = [q.Batch, q.Heads, q.Steps, q.HeadDim], lseShape = [q.Batch, q.Heads, q.Steps];
        return MergeHidden(stack(partials.Select(p => tensor(p.Output, outputShape)).ToArray(), 3), stack(partials.Select(p => tensor(p.LogSumExp, lseShape)).ToArray(), 3), batch);
    }

    private static ShardPartial MergeHidden(Tensor outputs, Tensor lses, GroupRows batch)
    {
        if (batch.Hidden is { } hidden)
        {
            using var mask = tensor(hidden, [batch.Queries.Batch, 1, 1, lses.shape[3]]);
            lses = lses.masked_fill(mask, Scalars.NegativeInfinity);
        }
        var (output, lse) = PartialAttention.Merge(outputs, lses);
        return new ShardPartial(output.contiguous().data<float>().ToArray(), lse.contiguous().data<float>().ToArray());
    }

    private static Tensor Query(QueryRows b) => tensor(b.Values, [b.Batch, b.Heads, b.Steps, b.HeadDim]);

    /// <summary>The flat F32 form of <paramref name="query"/> <c>[batch, heads, steps, headDim]</c>.</summary>
    public static QueryRows Flatten(Tensor query)
    {
        using var scope = NewDisposeScope();
        return new QueryRows((int)query.shape[0], (int)query.shape[1], (int)query.shape[2], (int)query.shape[3],
            query.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
    }

    /// <summary>
    /// Merges partials that each cover some shards (every row's unchosen shards already hidden) for
    /// <paramref name="queries"/> into the attention output <c>[batch, heads, steps, headDim]</c> on <paramref name="device"/>.
    /// </summary>
    public static Tensor Merge(IReadOnlyList<ShardPartial> partials, QueryRows queries, Device device)
    {
        long[] outputShape = [queries.Batch, queries.Heads, queries.Steps, queries.HeadDim], lseShape = [queries.Batch, queries.Heads, queries.Steps];
        var outputs = stack(partials.Select(p => tensor(p.Output, outputShape)).ToArray(), 3);   // [b,h,t,g,d]
        var lses = stack(partials.Select(p => tensor(p.LogSumExp, lseShape)).ToArray(), 3);       // [b,h,t,g]
        return PartialAttention.Merge(outputs, lses).Output.to(device);
    }
}
