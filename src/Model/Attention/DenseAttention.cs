using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// Plain softmax attention over one block of keys, with no log-sum-exp bookkeeping: exact cross-attention over a
/// document's shards held in one process (laid end to end, padding masked), where splitting the softmax buys nothing,
/// and the dense baseline the sharded paths are measured against.
/// </summary>
public static class DenseAttention
{
    /// <summary>
    /// softmax(q Kᵀ) V for queries <c>[batch, heads, steps, headDim]</c> (already scaled) over keys and values
    /// <c>[1, heads, length, headDim]</c>; <paramref name="padding"/> <c>[length]</c>, when given, marks positions that are
    /// not real keys (they get no weight). Every batch row (beam) reads the same K/V, so the rows fold into the query
    /// axis: one product per head, nothing broadcast (copied) per beam.
    /// </summary>
    public static Tensor Attend(Tensor query, Tensor keys, Tensor values, Tensor? padding = null)
    {
        long batch = query.shape[0], heads = query.shape[1], steps = query.shape[2], dim = query.shape[3];
        var rows = query.permute(1, 0, 2, 3).reshape(1, heads, batch * steps, dim);
        var scores = rows.matmul(keys.transpose(-1, -2));                                  // [1, h, b·t, length]
        if (padding is not null) scores.masked_fill_(padding, Scalars.NegativeInfinity);     // in place: the products are ours
        var output = scores.softmax(-1).matmul(values);                                     // [1, h, b·t, d]
        return output.reshape(heads, batch, steps, dim).permute(1, 0, 2, 3);
    }
}
