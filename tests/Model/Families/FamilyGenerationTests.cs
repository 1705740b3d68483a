using Summarizer.Model.Attention;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Families;

/// <summary>The sharding guarantees, for every family: BART, mBART, PEGASUS, T5 (tied, ReLU) and mT5 (gated, untied).</summary>
public sealed class FamilyGenerationTests
{
    private static GenerationSettings Settings(int beams, int maxLength = 16) => new()
    {
        MaxLength = maxLength, NumBeams = beams, DecoderStartTokenId = 0, EosTokenId = 1, PadTokenId = 0,
        EarlyStopping = Summarizer.Model.Configuration.EarlyStoppingMode.Heuristic,
    };

    private static (Tensor Hidden, int Rows) EncodeWhole(IEncoderDecoderNetwork model, int tokens)
    {
        var random = new Random(11);
        var ids = Enumerable.Range(0, tokens).Select(_ => (long)random.Next(4, 300)).Append(1L).ToArray();
        var input = tensor(ids, [1, ids.Length]);
        using var _ = no_grad();
        return (model.Encode(input, ones_like(input))[0], ids.Length);
    }

    private static KvShard[] Shards(IEncoderDecoderNetwork model, Tensor hidden, int pieces)
    {
        var encoder = new ShardEncoder(model, "m");
        long total = hidden.shape[0], start = 0;
        var shards = new KvShard[pieces];
        for (int i = 0; i < pieces; i++)
        {
            // Uneven cuts, so the stacked memory has padding to mask.
            long end = i == pieces - 1 ? total : Math.Min(total - (pieces - 1 - i), start + total / pieces + (i % 2 == 0 ? 2 : -2));
            end = Math.Max(end, start + 1);
            shards[i] = encoder.ProjectShard("doc", i, 0, 0, hidden.narrow(0, start, end - start), KvDType.F32);
            start = end;
        }
        return shards;
    }

    private static IReadOnlyList<int> Run(IEncoderDecoderNetwork model, ICrossAttentionMemory memory, GenerationSettings settings, bool beamSearch = false)
    {
        using var target = new LocalDecodeTarget(model, memory);
        return (beamSearch || settings.NumBeams > 1 ? BeamSearch.Run(target, settings) : GreedySearch.Run(target, settings)).SequenceIds;
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void DenseLocalAndScatteredMemoriesGiveTheSameTokensWithOneAndFourBeams(string family)
    {
        using var model = TinyFamily.Create(family);
        using var scope = NewDisposeScope();
        var (hidden, _) = EncodeWhole(model, 60);
        var shards = Shards(model, hidden, 5);
        foreach (int beams in new[] { 1, 4 })
        {
            var dense = new TinyFamily.DenseMemory(model.ProjectCrossKeyValues(hidden.unsqueeze(0)));
            using var local = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
            // Five shards on three "silos": one partial per silo and layer, merged across silos by log-sum-exp.
            var source = new Attention.GroupedShardSource(shards, [0, 1, 2, 0, 1]);
            using var scattered = new ScatteredCrossAttention(source, shards.Select(ShardScore.Summarize).ToArray(), model.CrossAttentionHeads, CrossAttentionMode.Exact);

            var expected = Run(model, dense, Settings(beams));
            Assert.Equal(expected, Run(model, local, Settings(beams)));
            Assert.Equal(expected, Run(model, scattered, Settings(beams)));
            Assert.All(source.CallsPerPass, calls => Assert.Equal(3, calls));
        }
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void ShardedExactAttentionEqualsDenseAttention(string family)
    {
        using var model = TinyFamily.Create(family);
        using var scope = NewDisposeScope();
        var (hidden, _) = EncodeWhole(model, 60);
        var dense = new TinyFamily.DenseMemory(model.ProjectCrossKeyValues(hidden.unsqueeze(0)));
        var shards = Shards(model, hidden, 5);
        using var sharded = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        using var _ = no_grad();
        using var denseCache = model.CreateCache();
        using var shardedCache = model.CreateCache();

        foreach (var token in new long[] { 0, 7, 9, 1 })
        {
            var a = model.DecodeStep(tensor(new[] { token }, [1, 1]), denseCache, dense);
            var b = model.DecodeStep(tensor(new[] { token }, [1, 1]), shardedCache, sharded);
            Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"{family}: logits differ by {(a - b).abs().max().item<float>()}");
        }
        Assert.Equal(Run(model, dense, Settings(1)), Run(model, sharded, Settings(1)));
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void SparseWithKEqualToAllShardsEqualsExact(string family)
    {
        using var model = TinyFamily.Create(family);
        using var scope = NewDisposeScope();
        var shards = Shards(model, EncodeWhole(model, 60).Hidden, 6);
        using var exact = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        using var sparse = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(6));

        Assert.Equal(Run(model, exact, Settings(1)), Run(model, sparse, Settings(1)));
        Assert.Equal(Run(model, exact, Settings(3)), Run(model, sparse, Settings(3)));
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void OneThreeAndSevenShardsGiveTheSameTokens(string family)
    {
        using var model = TinyFamily.Create(family);
        using var scope = NewDisposeScope();
        var hidden = EncodeWhole(model, 50).Hidden;
        foreach (var beams in new[] { 1, 3 })
        {
            var outputs = new[] { 1, 3, 7 }.Select(pieces =>
            {
                var shards = Shards(model, hidden, pieces);
                using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
                var ids = Run(model, memory, Settings(beams));
                foreach (var s in shards) s.Dispose();
                return ids;
            }).ToArray();
            Assert.Equal(outputs[0], outputs[1]);
            Assert.Equal(outputs[0], outputs[2]);
        }
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void BeamSearchWithOneBeamEqualsGreedy(string family)
    {
        using var model = TinyFamily.Create(family);
        using var scope = NewDisposeScope();
        var shards = Shards(model, EncodeWhole(model, 40).Hidden, 3);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);

        var greedy = Run(model, memory, Settings(1, maxLength: 24));
        var beam = Run(model, memory, Settings(1, maxLength: 24), beamSearch: true);

        Assert.Equal(greedy, beam);
        foreach (var s in shards) s.Dispose();
    }
}
