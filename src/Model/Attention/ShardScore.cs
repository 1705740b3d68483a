using Summarizer.Model.KvCache;
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
    /// <summary>
    /// A shard's key summary, the one way it is computed (local memory and shard grains alike): per decoder layer the
    /// mean of its keys per head, <c>heads × headDim</c> row-major in F32, and log n_s.
    /// </summary>
    public static ShardKeyMeans Summarize(KvShard shard)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var means = shard.Layers.Select(l => l.Keys.to_type(ScalarType.Float32).mean([1]).contiguous().data<float>().ToArray()).ToArray();
        return new ShardKeyMeans(means, (float)Math.Log(Math.Max(1, shard.ValidLength)));
    }

    /// <summary>
    /// One layer's summaries of <paramref name="shards"/> (document order) as tensors: mean keys <c>[shards, heads, headDim]</c>
    /// and log lengths <c>[shards]</c>, on <paramref name="device"/>.
    /// </summary>
    public static (Tensor MeanKeys, Tensor LogLengths) Stack(IReadOnlyList<ShardKeyMeans> shards, int layer, int heads, Device? device = null)
    {
        int headDim = shards[0].MeanKeys[layer].Length / heads;
        var means = tensor(shards.SelectMany(s => s.MeanKeys[layer]).ToArray(), [shards.Count, heads, headDim]);
        var logLengths = tensor(shards.Select(s => s.LogLength).ToArray());
        return device is null ? (means, logLengths) : (means.to(device), logLengths.to(device));
    }

    /// <summary>Scores <c>[batch, shards]</c> for queries <c>[batch, heads, steps, headDim]</c> (summed over steps).</summary>
    public static Tensor Compute(Tensor query, Tensor meanKeys, Tensor logLengths)
    {
        var perHead = einsum("bhtd,shd->bhs", query, meanKeys);                 // Σ over steps of q·k̄
        var lengthTerm = Scalars.With(query.shape[2], steps => logLengths.unsqueeze(0).mul(steps));
        return perHead.mean([1]).add(lengthTerm, Scalars.One);
    }
}

/// <summary>What sparse selection needs of a shard without its K/V: per layer the mean key per head, and log of its length.</summary>
/// <param name="MeanKeys">Per decoder layer, <c>heads × headDim</c> mean keys, row-major.</param>
/// <param name="LogLength">log of the shard's number of keys (at least 1).</param>
public sealed record ShardKeyMeans(IReadOnlyList<float[]> MeanKeys, float LogLength);
