using Summarizer.Model.Attention;
using Summarizer.Model.Attribution;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Network;
using Summarizer.Model.Scheduling;
using Summarizer.Model.Tests.Scheduling;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attribution;

/// <summary>
/// Attribution records from the decode step: what they measure (dense attention over the document), that every
/// path produces the same ones (exact and sparse with k = all, single job and batched step, both families), and that
/// beam search keeps the records of the hypothesis that wins.
/// </summary>
public sealed class AttentionTraceTests
{
    private static (IReadOnlyList<KvShard> Shards, InputTemplate Template) Document(IEncoderDecoderNetwork model, int tokens, int seed, int shardLength)
    {
        var encoder = new ShardEncoder(model, "test-model");
        var windows = DocumentSharder.Plan(tokens, new ShardingOptions(shardLength), encoder.Template);
        return (encoder.Encode("doc", TinyBart.RandomTokens(tokens, seed), windows, KvDType.F32), encoder.Template);
    }

    private static (GenerationResult Result, IReadOnlyList<TokenAttention> Records) Alone(IEncoderDecoderNetwork model, IReadOnlyList<KvShard> shards,
        InputTemplate template, CrossAttentionMode mode, GenerationSettings settings, int positions = 8)
    {
        var trace = new AttentionTrace(template, positions);
        using var memory = new ShardedCrossAttention(shards, mode, attribution: trace);
        using var target = new LocalDecodeTarget(model, memory);
        var result = DecodeSearch.Run(DecodeSearch.Create(settings, model.VocabSize, attribution: trace), target, null, default);
        return (result, trace.Path(result.Origin.Pass, result.Origin.Row));
    }

    private static void AssertSameRecords(IReadOnlyList<TokenAttention> expected, IReadOnlyList<TokenAttention> actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int t = 0; t < expected.Count; t++)
        {
            Assert.Equal(expected[t].ShardMass.Length, actual[t].ShardMass.Length);
            for (int s = 0; s < expected[t].ShardMass.Length; s++) Assert.InRange(actual[t].ShardMass[s], expected[t].ShardMass[s] - tolerance, expected[t].ShardMass[s] + tolerance);
            Assert.Equal(expected[t].Top.Select(p => p.Token).Take(3), actual[t].Top.Select(p => p.Token).Take(3));
            for (int j = 0; j < Math.Min(expected[t].Top.Count, actual[t].Top.Count); j++)
                Assert.InRange(actual[t].Top[j].Weight, expected[t].Top[j].Weight - tolerance, expected[t].Top[j].Weight + tolerance);
        }
    }

    [Theory]
    [InlineData("bart")]
    [InlineData("t5")]
    public void AttentionMassOverAllShardsSumsToOneForEveryToken(string family)
    {
        using var model = TinyFamily.Create(family);
        var (shards, template) = Document(model, 150, 1, 40);
        var settings = EngineHarness.Settings(16, 1) with { DecoderStartTokenId = model.Config.DecoderStartTokenId, EosTokenId = 1, ForcedBosTokenId = null };
        var (result, records) = Alone(model, shards, template, CrossAttentionMode.Exact, settings);

        Assert.Equal(result.GeneratedIds.Count, records.Count);
        Assert.Equal(4, shards.Count);
        foreach (var record in records)
        {
            Assert.Equal(shards.Count, record.ShardMass.Length);
            Assert.InRange(record.ShardMass.Sum(), 1 - 1e-5, 1 + 1e-5);
            Assert.All(record.ShardMass, m => Assert.InRange(m, 0f, 1f));
            Assert.NotEmpty(record.Top);
            Assert.All(record.Top, p => Assert.InRange(p.Token, 0, 149));
        }
    }

    [Fact]
    public void TopPositionIsTheArgmaxOfDenseHeadAveragedAttentionOverTheWholeDocument()
    {
        using var scope = NewDisposeScope();
        using var model = TinyFamily.Create("bart");
        var (shards, template) = Document(model, 90, 2, 25);
        var trace = new AttentionTrace(template, positionsPerToken: 4);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact, attribution: trace);
        manual_seed(11);
        var query = randn(3, 4, 1, 8);
        int last = model.Config.DecoderLayers - 1;
        memory.Attend(last, query);
        trace.Commit(3);

        // Independently: one softmax over the concatenated K of the last layer, averaged over heads; template rows
        // (BOS first, EOS last) are not document tokens.
        var keys = cat(shards.Select(s => s.Layers[last].Keys).ToArray(), 1);
        var dense = query.matmul(keys.unsqueeze(0).transpose(-1, -2)).softmax(-1).mean([1]).squeeze(1);   // [3, 92]
        var content = dense.narrow(1, 1, 90);
        for (int row = 0; row < 3; row++)
        {
            var record = trace.Path(1, row)[0];
            Assert.Equal(content[row].argmax().item<long>(), record.Top[0].Token);
            Assert.Equal(content[row].max().item<float>(), record.Top[0].Weight, 5);
            var expectedTop = content[row].topk(4).indexes.data<long>().ToArray();
            Assert.Equal(expectedTop, record.Top.Select(p => (long)p.Token).ToArray());
        }
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void SparseAttributionWithKEqualToAllShardsEqualsExactAttribution(int beams)
    {
        using var model = EngineHarness.NewModel();
        var (shards, template) = Document(model, 120, 3, 30);
        var settings = EngineHarness.Settings(14, beams);
        var exact = Alone(model, shards, template, CrossAttentionMode.Exact, settings);
        var sparse = Alone(model, shards, template, CrossAttentionMode.Sparse(shards.Count), settings);
        Assert.Equal(exact.Result.SequenceIds, sparse.Result.SequenceIds);
        AssertSameRecords(exact.Records, sparse.Records);
    }

    [Fact]
    public void SparseAttributionGivesMassOnlyToAttendedShardsAndItSumsToOne()
    {
        using var model = EngineHarness.NewModel();
        var (shards, template) = Document(model, 160, 4, 32);
        var (_, records) = Alone(model, shards, template, CrossAttentionMode.Sparse(2), EngineHarness.Settings(12, 1));
        foreach (var record in records)
        {
            Assert.Equal(2, record.ShardMass.Count(m => m > 0));
            Assert.InRange(record.ShardMass.Sum(), 1 - 1e-5, 1 + 1e-5);
        }
    }

    [Theory]
    [InlineData("bart")]
    [InlineData("t5")]
    public async Task BatchedStepAttributionEqualsSingleJobAttribution(string family)
    {
        using var model = TinyFamily.Create(family);
        var docs = new[] { Document(model, 100, 5, 30), Document(model, 60, 6, 60), Document(model, 140, 7, 35) };
        var modes = new[] { CrossAttentionMode.Exact, CrossAttentionMode.Sparse(1), CrossAttentionMode.Exact };
        var beams = new[] { 1, 1, 3 };
        var settings = beams.Select(b => EngineHarness.Settings(12, b) with { DecoderStartTokenId = model.Config.DecoderStartTokenId, EosTokenId = 1, ForcedBosTokenId = null }).ToArray();
        var alone = docs.Select((d, i) => Alone(model, d.Shards, d.Template, modes[i], settings[i])).ToArray();

        using var engine = new IterationEngine();
        var traces = docs.Select(d => new AttentionTrace(d.Template)).ToArray();
        var jobs = docs.Select((d, i) => engine.Submit(new DecodeJobRequest(model, () => new ShardedCrossAttention(d.Shards, modes[i], attribution: traces[i]), settings[i]) { Attribution = traces[i] })).ToArray();
        EngineHarness.Drain(engine);
        for (int i = 0; i < jobs.Length; i++)
        {
            var result = await jobs[i].Completion;
            Assert.Equal(alone[i].Result.SequenceIds, result.SequenceIds);
            AssertSameRecords(alone[i].Records, traces[i].Path(result.Origin.Pass, result.Origin.Row), 1e-4f);
        }
    }

    [Fact]
    public void BeamAttributionFollowsTheFinalHypothesis()
    {
        using var model = EngineHarness.NewModel();
        var (shards, template) = Document(model, 110, 8, 40);
        var settings = EngineHarness.Settings(16, 4);
        var (result, records) = Alone(model, shards, template, CrossAttentionMode.Exact, settings);
        Assert.Equal(result.GeneratedIds.Count, records.Count);

        // Teacher-force the winning sequence through one row: the records it makes are the winner's.
        var trace = new AttentionTrace(template);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact, attribution: trace);
        using var target = new LocalDecodeTarget(model, memory);
        var ids = result.SequenceIds;
        for (int t = 0; t < ids.Count - 1; t++)
        {
            target.Step([ids[t]], logSoftmax: true);
            trace.Commit(1);
        }
        AssertSameRecords(trace.Path(trace.Passes, 0), records, 1e-4f);
    }

    [Fact]
    public void ResumedJobKeepsRecordsForThePublishedTokensFromItsPrefixPass()
    {
        using var model = EngineHarness.NewModel();
        var (shards, template) = Document(model, 90, 9, 30);
        var settings = EngineHarness.Settings(14, 1);
        var (full, fullRecords) = Alone(model, shards, template, CrossAttentionMode.Exact, settings);
        var published = full.GeneratedIds.Take(5).ToArray();

        var trace = new AttentionTrace(template);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact, attribution: trace);
        using var target = new LocalDecodeTarget(model, memory);
        var resumed = DecodeSearch.Run(DecodeSearch.Create(settings, model.VocabSize, published, trace), target, null, default);
        Assert.Equal(full.SequenceIds, resumed.SequenceIds);
        AssertSameRecords(fullRecords, trace.Path(resumed.Origin.Pass, resumed.Origin.Row), 1e-4f);
    }
}
