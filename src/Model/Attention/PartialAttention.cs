using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// Attention to one block of keys as a partial result: the block's softmax-weighted values and the log-sum-exp of
/// its scores. Partials over disjoint blocks merge exactly (and in any order) into attention over their union,
/// which is what lets a document's K/V live in shards, even on different machines.
/// </summary>
public static class PartialAttention
{
    /// <summary>
    /// Attends queries <c>[batch, heads, steps, headDim]</c> (already scaled) to <c>shards</c> stacked keys and
    /// values <c>[shards, heads, len, headDim]</c>, where <paramref name="validKeys"/> <c>[shards, len]</c> marks
    /// real (non-padding) positions. Returns per-shard outputs <c>[batch, heads, steps, shards, headDim]</c> and
    /// log-sum-exps <c>[batch, heads, steps, shards]</c>; a shard with no valid key gets LSE = -inf and output 0.
    /// </summary>
    public static (Tensor Output, Tensor LogSumExp) Compute(Tensor query, Tensor keys, Tensor values, Tensor? validKeys)
    {
        var (output, lse, _) = ComputeWithWeights(query, keys, values, validKeys);
        return (output, lse);
    }

    /// <summary>
    /// As <see cref="Compute"/>, also returning each shard's attention weights <c>[shards, heads, batch·steps, len]</c>
    /// (rows batch-major), normalized within their shard: the tensor the products already made, so attribution reads
    /// it at no extra cost.
    /// </summary>
    public static (Tensor Output, Tensor LogSumExp, Tensor Weights) ComputeWithWeights(Tensor query, Tensor keys, Tensor values, Tensor? validKeys)
    {
        // Every batch row (beam) attends the same K/V, so the rows are folded into the query axis: one product per
        // (shard, head) with all rows at once, [s,h,b·t,d] x [s,h,d,l]. Broadcasting a batch axis instead would make
        // torch materialize a copy of the whole K and V per row at every step (beam search paid 25-35x for it).
        long batch = query.shape[0], heads = query.shape[1], steps = query.shape[2], dim = query.shape[3];
        var rows = query.permute(1, 0, 2, 3).reshape(1, heads, batch * steps, dim);
        var scores = rows.matmul(keys.transpose(-1, -2));                                   // [s, h, b·t, l]
        if (validKeys is not null)
            scores.masked_fill_(validKeys.logical_not().unsqueeze(1).unsqueeze(1), Scalars.NegativeInfinity);   // in place: the products are ours
        var (output, lse, weights) = Normalize(scores, values);                            // [s, h, b·t, d], [s, h, b·t]
        long shards = output.shape[0];
        // Partials leave in [b, h, t, s, *] so the shard axis is the one merged.
        return (output.reshape(shards, heads, batch, steps, dim).permute(2, 1, 3, 0, 4),
                lse.reshape(shards, heads, batch, steps).permute(2, 1, 3, 0), weights);
    }

    /// <summary>Softmax-weighted values, log-sum-exp and the weights themselves over the last axis of <paramref name="scores"/>.</summary>
    private static (Tensor Output, Tensor LogSumExp, Tensor Weights) Normalize(Tensor scores, Tensor values)
    {
        var lse = scores.logsumexp(-1, keepdim: true);
        // A fully masked shard has lse = -inf and exp(-inf - -inf) = NaN: those weights become 0. One pass over the
        // scores instead of masks and selects, since the bookkeeping, not the products, is what sharding adds.
        var weights = scores.sub_(lse).exp_().nan_to_num_(0.0);
        return (weights.matmul(values), lse.squeeze(-1), weights);
    }

    /// <summary>
    /// Merges partials along <paramref name="dim"/> of the LSE (the shard axis; the output has it one before its
    /// last axis): out = Σ exp(lse_s − lse) · out_s with lse = log Σ exp(lse_s). Returns the merged output and LSE.
    /// </summary>
    public static (Tensor Output, Tensor LogSumExp) Merge(Tensor output, Tensor logSumExp, int dim = -1)
    {
        var total = logSumExp.logsumexp(dim, keepdim: true);
        // Every partial of a row empty (lse = -inf): NaN weights become 0, and so does the merged output.
        var weights = (logSumExp - total).exp_().nan_to_num_(0.0);
        var merged = (output * weights.unsqueeze(-1)).sum(dim < 0 ? dim - 1 : dim);
        return (merged, total.squeeze(dim));
    }

    /// <summary>Merges partials computed separately (for example on different silos) for the same queries.</summary>
    public static (Tensor Output, Tensor LogSumExp) Merge(IReadOnlyList<(Tensor Output, Tensor LogSumExp)> partials)
    {
        var outputs = stack(partials.Select(p => p.Output).ToArray(), -2);
        var lses = stack(partials.Select(p => p.LogSumExp).ToArray(), -1);
        return Merge(outputs, lses);
    }
}
