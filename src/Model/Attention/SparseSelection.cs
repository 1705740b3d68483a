using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// Which shards a decoder step attends, the one rule for local and distributed cross-attention alike: every shard in
/// exact mode; in sparse mode each query row's top k by <see cref="ShardScore"/>, attended as their union (each
/// chosen shard read once for all rows) with every row's unchosen members hidden from it before the merge. The union is
/// bounded (<see cref="CrossAttentionMode.ShardsPerStep"/>): when the rows' picks exceed it, each row picks among the
/// shards the rows score highest.
/// </summary>
public sealed class SparseSelection
{
    private readonly bool[] _hidden;   // [batch, union] row-major: the row did not choose that shard
    private readonly int _batch;
    private readonly int[] _union;

    private SparseSelection(int[] union, bool[] hidden, int batch)
    {
        Union = _union = union;
        _hidden = hidden;
        _batch = batch;
    }

    /// <summary>The shards to attend, ascending.</summary>
    public IReadOnlyList<int> Union { get; }

    /// <summary>Whether some row attends fewer than <see cref="Union"/> (the partials must be masked per row).</summary>
    public bool HidesAny => _hidden.Any(h => h);

    /// <summary>Every one of <paramref name="shardCount"/> shards for every row (exact mode).</summary>
    public static SparseSelection All(int shardCount, int batch) =>
        new(Enumerable.Range(0, shardCount).ToArray(), new bool[batch * shardCount], batch);

    /// <summary>
    /// The shards <paramref name="mode"/> attends for <paramref name="query"/> <c>[batch, heads, steps, headDim]</c>, given
    /// the layer's shard summaries (<see cref="ShardScore.Stack"/>, on the query's device and dtype). The rows are
    /// <paramref name="positions"/> decoder positions folded together (row r·positions + t); the union bound applies to
    /// the rows of each position, so a prefix decoded in one pass chooses as stepping through it did.
    /// </summary>
    public static SparseSelection Choose(CrossAttentionMode mode, Tensor query, Tensor meanKeys, Tensor logLengths, int positions = 1)
    {
        int shards = (int)meanKeys.shape[0], batch = (int)query.shape[0];
        if (mode.IsExactFor(shards)) return All(shards, batch);
        int k = mode.TopK!.Value, limit = mode.ShardsPerStep!.Value;
        using var scope = NewDisposeScope();
        var scores = ShardScore.Compute(query, meanKeys, logLengths);
        var chosen = scores.topk(k, dim: 1).indexes.cpu().contiguous().data<long>().ToArray();
        if (batch > positions && limit < shards) Bound(chosen, scores, k, limit, Math.Max(1, positions));
        var union = chosen.Distinct().Order().Select(s => (int)s).ToArray();
        var hidden = new bool[batch * union.Length];
        for (int b = 0; b < batch; b++)
        {
            var rowChoice = chosen.AsSpan(b * k, k);
            for (int u = 0; u < union.Length; u++) hidden[b * union.Length + u] = !rowChoice.Contains(union[u]);
        }
        return new SparseSelection(union, hidden, batch);
    }

    /// <summary>
    /// Where the rows of one position chose more than <paramref name="limit"/> shards together, each of them picks its top
    /// k among the <paramref name="limit"/> shards those rows score highest (ties to the lower index).
    /// </summary>
    private static void Bound(long[] chosen, Tensor scores, int k, int limit, int positions)
    {
        int batch = (int)scores.shape[0], shards = (int)scores.shape[1];
        float[]? table = null;
        for (int t = 0; t < positions; t++)
        {
            var rows = Enumerable.Range(0, batch).Where(r => r % positions == t).ToArray();
            if (rows.SelectMany(r => chosen.Skip(r * k).Take(k)).Distinct().Count() <= limit) continue;
            table ??= scores.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
            var candidates = Enumerable.Range(0, shards).OrderByDescending(s => rows.Max(r => table[r * shards + s])).Take(limit).ToArray();
            foreach (var r in rows)
            {
                var best = candidates.OrderByDescending(s => table[r * shards + s]).Take(k).ToArray();
                for (int i = 0; i < k; i++) chosen[r * k + i] = best[i];
            }
        }
    }

    /// <summary>
    /// Which of <paramref name="members"/> (a subset of <see cref="Union"/>, in the order given) each row did not choose:
    /// <c>[batch, members]</c> row-major, or null when no row hides any shard. What a group of shards answered together
    /// needs to hide before its own merge.
    /// </summary>
    public bool[]? HiddenAmong(IReadOnlyList<int> members)
    {
        if (!HidesAny) return null;
        var positions = members.Select(m => Array.BinarySearch(_union, m)).ToArray();
        if (positions.Any(p => p < 0)) throw new ArgumentException("Every member must be in the union.", nameof(members));
        var hidden = new bool[_batch * members.Count];
        for (int b = 0; b < _batch; b++)
            for (int m = 0; m < members.Count; m++) hidden[b * members.Count + m] = _hidden[b * Union.Count + positions[m]];
        return hidden;
    }

    /// <summary>
    /// Hides from each row the union members it did not choose: their log-sum-exps <c>[batch, heads, steps, union]</c>
    /// become −∞, so they weigh nothing in <see cref="PartialAttention.Merge(Tensor, Tensor, int)"/>.
    /// </summary>
    public Tensor Mask(Tensor logSumExps)
    {
        if (!HidesAny) return logSumExps;
        using var hidden = tensor(_hidden, [_batch, 1, 1, Union.Count]);
        return logSumExps.masked_fill(hidden.to(logSumExps.device), Scalars.NegativeInfinity);
    }
}
