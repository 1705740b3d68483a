using Summarizer.Model.Attention;
using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

public sealed class RemotePartialsTests
{
    private static KvShard RandomShard(int index, int length, int layers = 2, int heads = 4, int dim = 8) => RandomShards.Create(index, length, layers, heads, dim);

    [Theory]
    [InlineData(1, null)]
    [InlineData(4, null)]
    [InlineData(1, 2)]
    [InlineData(4, 2)]
    public void PartialsMergedPerGroupThenAcrossGroupsEqualLocalShardedAttention(int beams, int? topK)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var shards = new[] { RandomShard(0, 7), RandomShard(1, 3), RandomShard(2, 11), RandomShard(3, 5), RandomShard(4, 9) };
        var mode = topK is { } k ? CrossAttentionMode.Sparse(k) : CrossAttentionMode.Exact;
        using var local = new ShardedCrossAttention(shards, mode);
        var source = new GroupedShardSource(shards, [0, 1, 0, 2, 1]);
        using var scattered = new ScatteredCrossAttention(source, shards.Select(ShardScore.Summarize).ToArray(), heads: 4, mode);
        var q = randn(beams, 4, 1, 8);

        for (int layer = 0; layer < 2; layer++)
            Assert.True((scattered.Attend(layer, q) - local.Attend(layer, q)).abs().max().item<float>() <= 1e-5f);
        // One call per group holding a chosen shard, never one per shard.
        Assert.All(source.CallsPerPass, calls => Assert.InRange(calls, 1, 3));
        if (topK is null) Assert.All(source.CallsPerPass, calls => Assert.Equal(3, calls));
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void ARowThatChoseNoShardOfAGroupGetsAnEmptyPartialThatWeighsNothing()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        var shards = new[] { RandomShard(0, 6, layers: 1), RandomShard(1, 4, layers: 1) };
        var q = randn(2, 4, 1, 8);
        var rows = RemotePartials.Flatten(q);
        // Row 0 chose both shards; row 1 chose neither of this group's.
        var partial = RemotePartials.ComputeGroup(shards.Select(s => s.Layers[0]).ToArray(), [new GroupRows(rows, [false, false, true, true])])[0];

        int perRow = 4 * 1;
        Assert.All(partial.LogSumExp.Skip(perRow), lse => Assert.Equal(float.NegativeInfinity, lse));
        Assert.All(partial.Output.Skip(perRow * 8), value => Assert.Equal(0f, value));
        Assert.All(partial.LogSumExp.Take(perRow), lse => Assert.True(float.IsFinite(lse)));
        // Merged with another group's partial, the empty one changes nothing.
        var other = RemotePartials.ComputeGroup([shards[0].Layers[0]], [new GroupRows(rows, null)])[0];
        var empty = new ShardPartial(new float[other.Output.Length], Enumerable.Repeat(float.NegativeInfinity, other.LogSumExp.Length).ToArray());
        var merged = RemotePartials.Merge([other, empty], rows, CPU);
        Assert.True((merged - RemotePartials.Merge([other], rows, CPU)).abs().max().item<float>() == 0f);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void MergingSingleShardPartialsAsAGroupEqualsComputingTheGroupInOnePass()
    {
        using var scope = NewDisposeScope();
        manual_seed(13);
        var shards = new[] { RandomShard(0, 6, layers: 1), RandomShard(1, 9, layers: 1), RandomShard(2, 2, layers: 1) };
        var rows = RemotePartials.Flatten(randn(3, 4, 1, 8));
        bool[] hidden = [false, true, false, true, false, false, false, false, true];
        var batch = new GroupRows(rows, hidden);

        var onePass = RemotePartials.ComputeGroup(shards.Select(s => s.Layers[0]).ToArray(), [batch])[0];
        var perShard = shards.Select(s => RemotePartials.Compute(s.Layers[0].Keys, s.Layers[0].Values, [rows])[0]).ToArray();
        var merged = RemotePartials.MergeGroup(perShard, batch);

        Assert.Equal(onePass.LogSumExp.Length, merged.LogSumExp.Length);
        for (int i = 0; i < onePass.Output.Length; i++) Assert.Equal(onePass.Output[i], merged.Output[i], 5);
        for (int i = 0; i < onePass.LogSumExp.Length; i++) Assert.Equal(onePass.LogSumExp[i], merged.LogSumExp[i], 5);
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 1)]
    [InlineData(4, 3)]
    public void AOneShardDocumentIsAttendedDenselyAndEqualsPartialAttention(int beams, int steps)
    {
        using var scope = NewDisposeScope();
        manual_seed(14);
        var shard = RandomShard(0, 13);
        using var memory = new ShardedCrossAttention([shard], CrossAttentionMode.Exact);
        var q = randn(beams, 4, steps, 8);

        for (int layer = 0; layer < 2; layer++)
        {
            var (k, v) = shard.Layers[layer];
            var (partials, lse) = PartialAttention.Compute(q, k.unsqueeze(0), v.unsqueeze(0), null);
            var viaPartials = PartialAttention.Merge(partials, lse).Output;
            Assert.True((memory.Attend(layer, q) - viaPartials).abs().max().item<float>() <= 1e-5f);
        }
        shard.Dispose();
    }
}
