using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Summarizer.Model.Scheduling;
using TorchSharp;
using static Summarizer.Model.Tests.Scheduling.EngineHarness;

namespace Summarizer.Model.Tests.Generation;

/// <summary>
/// A job resumed after its silo died (or after it moved) feeds the tokens it already published as one prefix pass
/// and decodes only what follows; it never decodes a published token again and never compares anything it
/// regenerated, so float rounding can neither change nor fail what was published.
/// </summary>
public sealed class ResumeTests
{
    /// <summary>Counts decoder passes: each one asks layer 0 of the memory exactly once.</summary>
    private sealed class CountingMemory(ICrossAttentionMemory inner) : ICrossAttentionMemory
    {
        public int Passes { get; private set; }

        public torch.Tensor Attend(int layer, torch.Tensor query, int positions = 1)
        {
            if (layer == 0) Passes++;
            return inner.Attend(layer, query, positions);
        }
    }

    public static TheoryData<int, int> Cuts => new() { { 1, 0 }, { 7, 0 }, { 20, 0 }, { 7, 1 }, { 20, 1 } };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void GreedyResumedAfterPublishedTokensDecodesOnlyTheRestAndEndsIdentically(int published, int sparse)
    {
        using var model = NewModel();
        var shards = Document(model, 300, 100);   // 5 shards: sparse top-1 must pick per position in the prefix pass too
        var mode = sparse == 1 ? CrossAttentionMode.Sparse(1) : CrossAttentionMode.Exact;
        var settings = Settings(30, 1) with { MinLength = 30 };   // exactly 29 tokens, 29 steps uninterrupted
        RequireNoNearTies(model, new SoloJob(shards, mode, settings));
        var full = Alone(model, shards, mode, settings);
        var prefix = full.GeneratedIds.Take(published).ToArray();
        var heard = new List<int>();

        using var memory = new ShardedCrossAttention(shards, mode);
        var counting = new CountingMemory(memory);
        using var target = new LocalDecodeTarget(model, counting);
        var resumed = GreedySearch.Run(target, settings, heard.AddRange, published: prefix);

        Assert.Equal(full.SequenceIds, resumed.SequenceIds);
        Assert.Equal(full.GeneratedIds.Skip(published), heard);
        Assert.Equal(29, full.DecoderSteps);
        Assert.Equal(29 - published, resumed.DecoderSteps);   // one prefix pass, then one step per new token
        Assert.Equal(29 - published, counting.Passes);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public async Task AJobResumedInTheEngineBesideAFreshOneDecodesOnlyWhatFollowsItsPublishedTokens()
    {
        using var model = NewModel();
        var shards = Document(model, 300, 100);
        var settings = Settings(30, 1) with { MinLength = 30 };
        RequireNoNearTies(model, new SoloJob(shards, CrossAttentionMode.Exact, settings));
        var full = Alone(model, shards, CrossAttentionMode.Exact, settings);
        var prefix = full.GeneratedIds.Take(12).ToArray();
        var heard = new List<int>();
        CountingMemory? counting = null;
        using var engine = new IterationEngine();

        var fresh = engine.Submit(Request(model, shards, CrossAttentionMode.Exact, settings));
        var resumed = engine.Submit(new DecodeJobRequest(model, () => counting = new CountingMemory(new ShardedCrossAttention(shards, CrossAttentionMode.Exact)), settings)
        {
            Published = prefix,
            OnDecided = heard.AddRange,
            DisposeMemory = false,
        });
        Drain(engine);

        Assert.Equal(full.SequenceIds, (await fresh.Completion).SequenceIds);
        Assert.Equal(full.SequenceIds, (await resumed.Completion).SequenceIds);
        Assert.Equal(full.GeneratedIds.Skip(12), heard);
        Assert.Equal(29 - 12, resumed.Steps);
        Assert.Equal(29 - 12, counting!.Passes);
        Assert.Equal(16, resumed.LeftAtIteration);   // its prefix pass at the first boundary decided token 13; 16 batched steps followed
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void BeamSearchResumedAfterPublishedTokensStartsEveryBeamFromThemAndNeverDecodesThemAgain()
    {
        using var model = NewModel();
        var shards = Document(model, 100, 104);
        var settings = Settings(25, 3) with { MinLength = 25 };   // every beam runs to max length: 24 steps uninterrupted
        var chunks = new List<IReadOnlyList<int>>();
        var full = Alone(model, shards, CrossAttentionMode.Exact, settings, onDecided: chunks.Add);
        // What a crashed job would have published: the tokens streamed before the search ended.
        var prefix = chunks.Take(chunks.Count - 1).SelectMany(c => c).ToArray();
        Assert.NotEmpty(prefix);
        var heard = new List<int>();

        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        var counting = new CountingMemory(memory);
        using var target = new LocalDecodeTarget(model, counting);
        var resumed = BeamSearch.Run(target, settings, heard.AddRange, published: prefix);

        Assert.Equal(prefix, resumed.GeneratedIds.Take(prefix.Length));
        Assert.Equal(resumed.GeneratedIds.Skip(prefix.Length), heard);
        Assert.Equal(24, full.DecoderSteps);
        Assert.Equal(24 - prefix.Length, resumed.DecoderSteps);
        Assert.Equal(24 - prefix.Length, counting.Passes);
        Assert.Equal(full.SequenceIds.Count, resumed.SequenceIds.Count);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void ResumedBeamSearchScoresItsPrefixAsIfItHadDecodedIt()
    {
        using var model = NewModel();
        var shards = Document(model, 100, 104);
        var settings = Settings(25, 3) with { MinLength = 25, NoRepeatNgramSize = 0, LengthPenalty = 2.0 };
        var full = Alone(model, shards, CrossAttentionMode.Exact, settings);
        var prefix = full.GeneratedIds.Take(full.GeneratedIds.Count - 1).ToArray();   // all but the final EOS

        // Resumed one step before the end, the only thing left is the last token; the winner's score (sum of
        // log-probabilities over its length ^ penalty) includes the prefix's own log-probabilities.
        var resumed = Alone(model, shards, CrossAttentionMode.Exact, settings, published: prefix);

        Assert.Equal(full.SequenceIds, resumed.SequenceIds);
        Assert.Equal(full.Score, resumed.Score, 4);
        Assert.Equal(1, resumed.DecoderSteps);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public async Task PublishedTokensThatAlreadyEndTheSummaryDecodeNothing()
    {
        using var model = NewModel();
        var shards = Document(model, 60, 1);
        var settings = Settings(30, 1);
        int[] published = [0, 55, 71, 2];   // ends with EOS
        using var engine = new IterationEngine();

        var greedy = engine.Submit(Request(model, shards, CrossAttentionMode.Exact, settings) with { Published = published });
        var beams = engine.Submit(Request(model, shards, CrossAttentionMode.Exact, settings with { NumBeams = 3 }) with { Published = published });
        Drain(engine);

        Assert.Equal([2, .. published], (await greedy.Completion).SequenceIds);
        Assert.Equal([2, .. published], (await beams.Completion).SequenceIds);
        Assert.Equal(0, engine.Diagnostics.Iterations);
        Assert.Equal((0, 0), (greedy.Steps, beams.Steps));
        foreach (var s in shards) s.Dispose();
    }
}
