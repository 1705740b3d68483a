using Summarizer.Model.Attention;
using Summarizer.Model.Encoder;
using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Generation;

public sealed class ShardedGenerationTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void SameEncoderOutputCutIntoOneThreeOrSevenShardsGeneratesTheSameTokens(int beams)
    {
        using var model = TinyBart.Create();
        var encoder = new ShardEncoder(model, "m");
        var tokens = TinyBart.RandomTokens(50, seed: 11);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 0 }.Concat(tokens.Select(t => (long)t)).Append(2).ToArray(), [1, tokens.Length + 2]);
        Tensor hidden;
        using (no_grad()) hidden = model.Encode(ids, ones_like(ids))[0];

        var outputs = new[] { 1, 3, 7 }.Select(pieces =>
        {
            var shards = Cut(hidden, pieces).Select((rows, i) => encoder.ProjectShard("doc", i, 0, 0, rows, KvDType.F32)).ToArray();
            var result = TinyBart.Generate(model, shards, TinyBart.Settings(maxLength: 20, beams: beams));
            foreach (var s in shards) s.Dispose();
            return result.SequenceIds;
        }).ToArray();

        Assert.Equal(outputs[0], outputs[1]);
        Assert.Equal(outputs[0], outputs[2]);
    }

    private static IEnumerable<Tensor> Cut(Tensor rows, int pieces)
    {
        long total = rows.shape[0];
        long start = 0;
        for (int i = 0; i < pieces; i++)
        {
            // Uneven cuts on purpose: shard lengths differ, so padding inside the stacked memory is exercised.
            long end = i == pieces - 1 ? total : Math.Min(total - (pieces - 1 - i), start + 1 + (total / pieces) + (i % 2 == 0 ? 2 : -2));
            end = Math.Max(end, start + 1);
            yield return rows.narrow(0, start, end - start);
            start = end;
        }
    }

    [Fact]
    public void EncoderRunsExactlyOncePerShardAndNeverDuringDecoding()
    {
        using var model = TinyBart.Create();
        var encoder = new ShardEncoder(model, "m", batchSize: 3);
        var tokens = TinyBart.RandomTokens(300, seed: 12);

        var shards = TinyBart.EncodeDocument(model, tokens, shardLength: 64, overlap: 8, encoder: encoder);
        long afterEncode = encoder.EncoderRuns;
        TinyBart.Generate(model, shards, TinyBart.Settings(beams: 2));
        TinyBart.Generate(model, shards, TinyBart.Settings(beams: 1), CrossAttentionMode.Sparse(2));

        Assert.Equal(shards.Count, afterEncode);
        Assert.Equal(afterEncode, encoder.EncoderRuns);
        Assert.True(shards.Count > 5);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void OneWindowDocumentShardEqualsTheModelsOrdinaryEncoderInput()
    {
        using var model = TinyBart.Create();
        var tokens = TinyBart.RandomTokens(40, seed: 13);
        var shards = TinyBart.EncodeDocument(model, tokens, shardLength: 64);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 0 }.Concat(tokens.Select(t => (long)t)).Append(2).ToArray(), [1, tokens.Length + 2]);
        using var _ = no_grad();
        var expected = model.ProjectCrossKeyValues(model.Encode(ids, ones_like(ids)));

        Assert.Single(shards);
        Assert.Equal(tokens.Length + 2, shards[0].ValidLength);
        for (int layer = 0; layer < model.DecoderLayerCount; layer++)
            Assert.True((shards[0].Layers[layer].Keys - expected[layer].Keys[0]).abs().max().item<float>() <= 1e-5f);
        shards[0].Dispose();
    }

    [Fact]
    public void BatchedEncodingWithPaddingEqualsOneShardAtATime()
    {
        using var model = TinyBart.Create();
        var tokens = TinyBart.RandomTokens(170, seed: 14);
        var batched = TinyBart.EncodeDocument(model, tokens, 64, 4, new ShardEncoder(model, "m", batchSize: 4));
        var single = TinyBart.EncodeDocument(model, tokens, 64, 4, new ShardEncoder(model, "m", batchSize: 1));

        Assert.Equal(single.Count, batched.Count);
        for (int s = 0; s < single.Count; s++)
        {
            using var diff = (batched[s].Layers[1].Values - single[s].Layers[1].Values).abs().max();
            Assert.True(diff.item<float>() <= 1e-5f);
        }
        foreach (var s in batched.Concat(single)) s.Dispose();
    }

    [Fact]
    public void SparseDecodingWithKEqualToShardCountMatchesExactDecoding()
    {
        using var model = TinyBart.Create();
        var shards = TinyBart.EncodeDocument(model, TinyBart.RandomTokens(200, seed: 15), shardLength: 64);

        var exact = TinyBart.Generate(model, shards, TinyBart.Settings(beams: 3));
        var sparse = TinyBart.Generate(model, shards, TinyBart.Settings(beams: 3), CrossAttentionMode.Sparse(shards.Count));

        Assert.Equal(exact.SequenceIds, sparse.SequenceIds);
        foreach (var s in shards) s.Dispose();
    }
}
