using Summarizer.Model.Attention;
using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

public sealed class ShardedCrossAttentionTests
{
    private static KvShard RandomShard(int index, int length, int layers = 2, int heads = 4, int dim = 8) => RandomShards.Create(index, length, layers, heads, dim);

    [Fact]
    public void ExactModeEqualsAttentionOverConcatenatedShards()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var shards = new[] { RandomShard(0, 7), RandomShard(1, 3), RandomShard(2, 11) };
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        var q = randn(2, 4, 1, 8);

        for (int layer = 0; layer < 2; layer++)
        {
            var k = cat(shards.Select(s => s.Layers[layer].Keys).ToArray(), 1).unsqueeze(0);
            var v = cat(shards.Select(s => s.Layers[layer].Values).ToArray(), 1).unsqueeze(0);
            var dense = q.matmul(k.transpose(-1, -2)).softmax(-1).matmul(v);
            Assert.True((memory.Attend(layer, q) - dense).abs().max().item<float>() <= 1e-5f);
        }
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void SparseModeWithKAtLeastShardCountIsExactMode()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var shards = new[] { RandomShard(0, 5), RandomShard(1, 9), RandomShard(2, 4), RandomShard(3, 6) };
        using var exact = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        using var sparseAll = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(4));
        using var sparseMore = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(10));
        var q = randn(3, 4, 1, 8);

        var reference = exact.Attend(1, q);
        Assert.True((sparseAll.Attend(1, q) - reference).abs().max().item<float>() == 0f);
        Assert.True((sparseMore.Attend(1, q) - reference).abs().max().item<float>() == 0f);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void SparseModeAttendsOnlyTheBestScoringShardsPerRow()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var shards = new[] { RandomShard(0, 6, layers: 1), RandomShard(1, 6, layers: 1), RandomShard(2, 6, layers: 1) };
        using var top1 = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(1));
        var q = randn(2, 4, 1, 8);

        // Recompute by hand: score each shard, attend only the best one per row.
        var keys = stack(shards.Select(s => s.Layers[0].Keys).ToArray());
        var values = stack(shards.Select(s => s.Layers[0].Values).ToArray());
        var (mean, logLen) = ShardScore.Stack(shards.Select(ShardScore.Summarize).ToArray(), 0, heads: 4);
        var best = ShardScore.Compute(q, mean, logLen).argmax(1);
        for (int row = 0; row < 2; row++)
        {
            long s = best[row].item<long>();
            var expected = q[row].unsqueeze(0).matmul(keys[s].unsqueeze(0).transpose(-1, -2)).softmax(-1).matmul(values[s].unsqueeze(0));
            var actual = top1.Attend(0, q)[row].unsqueeze(0);
            Assert.True((actual - expected).abs().max().item<float>() <= 1e-5f);
        }
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void SparseModeRejectsKBelowOne()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossAttentionMode.Sparse(0));
    }
}
