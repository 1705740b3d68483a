using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

/// <summary>
/// T5's relative position bias: an embedding of <c>relative_attention_num_buckets</c> rows × heads, looked up by the
/// bucket of (key position − query position). Only the first block of each stack owns one; its bias is added to the
/// scores of every self-attention layer of the stack. Cross-attention has none.
/// </summary>
internal sealed class T5RelativePositionBias : IDisposable
{
    private readonly Tensor _table;
    private readonly bool _bidirectional;
    private readonly int _buckets, _maxDistance;

    public T5RelativePositionBias(IWeightSource weights, string name, int buckets, int heads, int maxDistance, bool bidirectional)
    {
        _table = weights.Load(name, [buckets, heads]);
        _buckets = buckets;
        _maxDistance = maxDistance;
        _bidirectional = bidirectional;
    }

    /// <summary>
    /// Bias <c>[1, heads, queries, keys]</c> for queries at positions <c>queryStart ..</c> and keys at <c>0 .. keys-1</c>
    /// (HF's <c>compute_bias</c> with the cache position of the first query).
    /// </summary>
    public Tensor Forward(long queryStart, long queries, long keys, Device device)
    {
        var context = Scalars.With(queryStart, start => Scalars.With(queryStart + queries, end => arange(start, end, Scalars.One, ScalarType.Int64, device))).unsqueeze(1);
        var memory = Scalars.With(keys, end => arange(Scalars.Zero, end, Scalars.One, ScalarType.Int64, device)).unsqueeze(0);
        var buckets = Bucket(memory.add(context.neg(), Scalars.One), _bidirectional, _buckets, _maxDistance);
        var values = _table.index_select(0, buckets.flatten()).view(queries, keys, _table.shape[1]);
        return values.permute(2, 0, 1).unsqueeze(0);
    }

    /// <summary>
    /// HF's <c>_relative_position_bucket</c>: half the buckets (per direction, when bidirectional) hold exact distances
    /// below <c>buckets/2</c>; the rest grow logarithmically up to <paramref name="maxDistance"/>, beyond which all
    /// distances share the last bucket. Computed in F32 as HF computes it, so boundaries round identically.
    /// </summary>
    public static Tensor Bucket(Tensor relative, bool bidirectional, int buckets, int maxDistance)
    {
        Tensor result, distance;
        if (bidirectional)
        {
            buckets /= 2;
            result = Scalars.With(buckets, half => relative.gt(Scalars.Zero).to_type(ScalarType.Int64).mul(half));
            distance = relative.abs();
        }
        else
        {
            result = zeros_like(relative);
            distance = relative.neg().clamp_min(Scalars.Zero);
        }

        int maxExact = buckets / 2;
        var isSmall = Scalars.With(maxExact, exact => distance.lt(exact));
        var logRatio = Scalars.With(maxExact, exact => distance.to_type(ScalarType.Float32).div(exact)).log();
        var scaled = Scalars.With(Math.Log((double)maxDistance / maxExact), d => logRatio.div(d));
        var large = Scalars.With(buckets - maxExact, n => scaled.mul(n)).to_type(ScalarType.Int64);
        large = Scalars.With(maxExact, exact => large.add(exact, Scalars.One));
        large = Scalars.With(buckets - 1, last => large.clamp_max(last));
        return result.add(where(isSmall, distance, large), Scalars.One);
    }

    public void Dispose() => _table.Dispose();
}
