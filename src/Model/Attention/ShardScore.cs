using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// The cheap per-shard relevance score used by sparse cross-attention. A shard's true attention mass for query q is
/// exp(LSE_s) with LSE_s = log Σ_j exp(q·k_j). By Jensen's inequality LSE_s ≥ q·k̄_s + log n_s, where k̄_s is the mean
/// of the shard's n_s keys; that bound costs one dot product per shard and head instead of n_s. The score is the
/// bound averaged over heads, so a shard is chosen for one decoder step and layer for all its heads at once.
/// </summary>
public static class ShardScore
{
    /// <summary>Per-shard key summary: mean of the valid keys, <c>[shards, heads, headDim]</c>, plus log n_s <c>[shards]</c>.</summary>
    public static (Tensor MeanKeys, Tensor LogLengths) Summarize(Tensor keys, Tensor validKeys)
    {
        var valid = validKeys.to_type(keys.dtype);                               // [s, l]
        var counts = valid.sum(1).clamp_min(Scalars.One);                       // [s]
        var sums = einsum("shld,sl->shd", keys, valid);
        return (sums / counts.view(-1, 1, 1), counts.log());
    }

    /// <summary>Scores <c>[batch, shards]</c> for queries <c>[batch, heads, steps, headDim]</c> (summed over steps).</summary>
    public static Tensor Compute(Tensor query, Tensor meanKeys, Tensor logLengths)
    {
        var perHead = einsum("bhtd,shd->bhs", query, meanKeys);                 // Σ over steps of q·k̄
        var lengthTerm = Scalars.With(query.shape[2], steps => logLengths.unsqueeze(0).mul(steps));
        return perHead.mean([1]).add(lengthTerm, Scalars.One);
    }
}
