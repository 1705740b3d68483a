using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// Plain softmax attention over one block of keys, with no log-sum-exp bookkeeping: the path for a document that fits
/// in one shard, where sharding buys nothing, and the dense baseline the sharded paths are measured against.
/// </summary>
public static class DenseAttention
{
    /// <summary>
    /// softmax(q Kᵀ) V for queries <c>[batch, heads, steps, headDim]</c> (already scaled) over keys and values
    /// <c>[1, heads, length, headDim]</c> (every position real). Every batch row (beam) reads the same K/V, so the rows
    /// fold into the query axis: one product per head, nothing broadcast (copied) per beam.
    /// </summary>
    public static Tensor Attend(Tensor query, Tensor keys, Tensor values)
    {
        long batch = query.shape[0], heads = query.shape[1], steps = query.shape[2], dim = query.shape[3];
        var rows = query.permute(1, 0, 2, 3).reshape(1, heads, batch * steps, dim);
        var output = rows.matmul(keys.transpose(-1, -2)).softmax(-1).matmul(values);   // [1, h, b·t, d]
        return output.reshape(heads, batch, steps, dim).permute(1, 0, 2, 3);
    }
}
