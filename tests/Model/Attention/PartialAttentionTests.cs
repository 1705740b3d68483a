using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

public sealed class PartialAttentionTests
{
    private static Tensor DenseAttention(Tensor q, Tensor k, Tensor v, Tensor valid)
    {
        // Ordinary attention over the concatenated keys, padding masked the way HF masks it.
        var scores = q.matmul(k.transpose(-1, -2)).masked_fill(valid.logical_not(), double.NegativeInfinity);
        return scores.softmax(-1).matmul(v);
    }

    [Fact]
    public void ShardedAttentionWithUnevenShardsAndPaddingEqualsDenseAttention()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        int[] lengths = [5, 17, 1, 9, 12];
        long heads = 4, dim = 8, maxLen = lengths.Max();
        var q = randn(3, heads, 2, dim);
        var keys = randn(lengths.Length, heads, maxLen, dim) * 2;
        var values = randn(lengths.Length, heads, maxLen, dim);
        var valid = stack(lengths.Select(l => arange(maxLen).lt(l)).ToArray());

        var (partials, lse) = PartialAttention.Compute(q, keys, values, valid);
        var (merged, _) = PartialAttention.Merge(partials, lse);

        // Dense reference: concatenate only the valid rows of every shard.
        var denseK = cat(lengths.Select((l, s) => keys[s].narrow(1, 0, l)).ToArray(), 1);
        var denseV = cat(lengths.Select((l, s) => values[s].narrow(1, 0, l)).ToArray(), 1);
        var dense = DenseAttention(q, denseK, denseV, ones(denseK.shape[1], ScalarType.Bool));

        Assert.True((merged - dense).abs().max().item<float>() <= 1e-5f);
    }

    [Fact]
    public void MergingPartialsIsOrderFreeAndAssociative()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var q = randn(1, 2, 1, 4);
        var parts = Enumerable.Range(0, 3).Select(i =>
        {
            var k = randn(1, 2, 6 + i, 4);
            var v = randn(1, 2, 6 + i, 4);
            var (o, l) = PartialAttention.Compute(q, k, v, null);
            return (o.squeeze(3), l.squeeze(3));
        }).ToArray();

        var all = PartialAttention.Merge(parts).Output;
        var reversed = PartialAttention.Merge(parts.Reverse().ToArray()).Output;
        var nested = PartialAttention.Merge([PartialAttention.Merge(parts[..2]), parts[2]]).Output;

        Assert.True((all - reversed).abs().max().item<float>() <= 1e-6f);
        Assert.True((all - nested).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void ShardWithNoValidKeysContributesNothing()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var q = randn(1, 1, 1, 4);
        var keys = randn(2, 1, 3, 4);
        var values = randn(2, 1, 3, 4);
        var valid = tensor(new[] { true, true, true, false, false, false }, [2, 3]);

        var (partials, lse) = PartialAttention.Compute(q, keys, values, valid);
        var merged = PartialAttention.Merge(partials, lse).Output;
        var onlyFirst = DenseAttention(q, keys[0].unsqueeze(0), values[0].unsqueeze(0), ones(3, ScalarType.Bool));

        Assert.False(merged.isnan().any().item<bool>());
        Assert.True((merged - onlyFirst).abs().max().item<float>() <= 1e-6f);
    }
}
