using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>Decoder queries as they travel to a shard held elsewhere: <c>[batch, heads, steps, headDim]</c> row-major F32, already projected and scaled.</summary>
public sealed record QueryRows(int Batch, int Heads, int Steps, int HeadDim, float[] Values);

/// <summary>A shard's partial attention as it travels back: outputs <c>[batch, heads, steps, headDim]</c> and log-sum-exps <c>[batch, heads, steps]</c>.</summary>
public sealed record ShardPartial(float[] Output, float[] LogSumExp);

/// <summary>Where the shards of a document are held when they are not in this process (shard grains on other silos).</summary>
public interface IShardPartialSource
{
    /// <summary>
    /// Partial attention of <paramref name="queries"/> to each of <paramref name="shards"/> (document indices) for
    /// decoder layer <paramref name="layer"/>, in the order asked. Blocks until every partial is in.
    /// </summary>
    IReadOnlyList<ShardPartial> Attend(int layer, IReadOnlyList<int> shards, QueryRows queries);
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
            var (output, lse) = PartialAttention.Compute(tensor(b.Values, [b.Batch, b.Heads, b.Steps, b.HeadDim]), k, v, null);
            return new ShardPartial(output.squeeze(3).contiguous().data<float>().ToArray(), lse.squeeze(3).contiguous().data<float>().ToArray());
        }).ToArray();
    }

    /// <summary>The flat F32 form of <paramref name="query"/> <c>[batch, heads, steps, headDim]</c>.</summary>
    public static QueryRows Flatten(Tensor query)
    {
        using var scope = NewDisposeScope();
        return new QueryRows((int)query.shape[0], (int)query.shape[1], (int)query.shape[2], (int)query.shape[3],
            query.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
    }

    /// <summary>
    /// Merges the partials of <paramref name="selection"/>'s shards (in its order) for <paramref name="queries"/> into the
    /// attention output <c>[batch, heads, steps, headDim]</c> on <paramref name="device"/>.
    /// </summary>
    public static Tensor Merge(IReadOnlyList<ShardPartial> partials, SparseSelection selection, QueryRows queries, Device device)
    {
        long[] outputShape = [queries.Batch, queries.Heads, queries.Steps, queries.HeadDim], lseShape = [queries.Batch, queries.Heads, queries.Steps];
        var outputs = stack(partials.Select(p => tensor(p.Output, outputShape)).ToArray(), 3);   // [b,h,t,s,d]
        var lses = stack(partials.Select(p => tensor(p.LogSumExp, lseShape)).ToArray(), 3);       // [b,h,t,s]
        return PartialAttention.Merge(outputs, selection.Mask(lses)).Output.to(device);
    }
}
