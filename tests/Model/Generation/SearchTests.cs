using Summarizer.Model.Generation;
using TorchSharp;

namespace Summarizer.Model.Tests.Generation;

public sealed class SearchTests
{
    /// <summary>A decode target whose scores are a fixed function of each row's last token: search logic in isolation.</summary>
    private sealed class ScriptedTarget(int vocab, Func<int, int, float> score) : IDecodeTarget
    {
        public int VocabSize => vocab;

        public float[] Step(IReadOnlyList<int> lastTokens, bool logSoftmax)
        {
            var result = new float[lastTokens.Count * vocab];
            for (int r = 0; r < lastTokens.Count; r++)
            {
                var row = result.AsSpan(r * vocab, vocab);
                for (int t = 0; t < vocab; t++) row[t] = score(lastTokens[r], t);
                if (logSoftmax)
                {
                    float max = row.ToArray().Max();
                    double sum = row.ToArray().Sum(x => Math.Exp(x - max));
                    for (int t = 0; t < vocab; t++) row[t] = (float)(row[t] - max - Math.Log(sum));
                }
            }
            return result;
        }

        public void Reorder(IReadOnlyList<int> sourceRows) { }

        public void Dispose() { }
    }

    [Fact]
    public void OneBeamEqualsGreedy()
    {
        using var model = TinyBart.Create();
        foreach (int seed in new[] { 21, 22, 23 })
        {
            var shards = TinyBart.EncodeDocument(model, TinyBart.RandomTokens(90, seed), shardLength: 64);
            var greedy = TinyBart.Generate(model, shards, TinyBart.Settings(maxLength: 30, beams: 1));
            using var memory = new Summarizer.Model.Attention.ShardedCrossAttention(shards, Summarizer.Model.Attention.CrossAttentionMode.Exact);
            using var target = new LocalDecodeTarget(model, memory);
            var beam = BeamSearch.Run(target, TinyBart.Settings(maxLength: 30, beams: 1));
            Assert.Equal(greedy.SequenceIds, beam.SequenceIds);
            foreach (var s in shards) s.Dispose();
        }
    }

    [Fact]
    public void NoRepeatNgramSizeIsRespected()
    {
        // This target loves repeating "7 8": without the rule the output is 7 8 7 8 ...
        using var target = new ScriptedTarget(12, (last, t) => (last, t) switch { (_, 7) when last != 7 => 5f, (7, 8) => 5f, _ => 0f });
        var settings = new GenerationSettings { MaxLength = 16, NoRepeatNgramSize = 2, EosTokenId = 2, DecoderStartTokenId = 2 };

        var greedy = GreedySearch.Run(target, settings).SequenceIds;
        var beam = BeamSearch.Run(target, settings with { NumBeams = 3 }).SequenceIds;

        foreach (var seq in new[] { greedy, beam })
        {
            var bigrams = seq.Zip(seq.Skip(1)).ToList();
            Assert.Equal(bigrams.Count, bigrams.Distinct().Count());
        }
        var unrestricted = GreedySearch.Run(target, settings with { NoRepeatNgramSize = 0 }).SequenceIds;
        Assert.True(unrestricted.Zip(unrestricted.Skip(1)).Count() > unrestricted.Zip(unrestricted.Skip(1)).Distinct().Count());
    }

    [Fact]
    public void MinLengthKeepsEosAwayUntilReached()
    {
        // EOS is always the favourite, so only min_length stops it.
        using var target = new ScriptedTarget(10, (_, t) => t == 2 ? 9f : t);
        var settings = new GenerationSettings { MaxLength = 30, MinLength = 8, EosTokenId = 2, DecoderStartTokenId = 2 };

        var greedy = GreedySearch.Run(target, settings).SequenceIds;
        var beam = BeamSearch.Run(target, settings with { NumBeams = 4, EarlyStopping = Summarizer.Model.Configuration.EarlyStoppingMode.WhenBeamsComplete }).SequenceIds;

        Assert.Equal(8, greedy.Count - 1);   // EOS is the 8th token: the sequence reaches min_length first
        Assert.Equal(2, greedy[^1]);
        Assert.Equal(8, beam.Count - 1);
        Assert.Equal(2, beam[^1]);
    }

    [Fact]
    public void ForcedBosAndForcedEosAreHonoured()
    {
        using var target = new ScriptedTarget(10, (_, t) => t == 5 ? 3f : 0f);
        var settings = new GenerationSettings { MaxLength = 6, EosTokenId = 2, DecoderStartTokenId = 2, ForcedBosTokenId = 0, ForcedEosTokenId = 2 };

        var ids = GreedySearch.Run(target, settings).SequenceIds;

        Assert.Equal(new[] { 2, 0, 5, 5, 5, 2 }, ids);
        Assert.Equal(new[] { 2, 0, 5, 5, 5, 2 }, BeamSearch.Run(target, settings with { NumBeams = 2 }).SequenceIds);
    }

    [Fact]
    public void LengthPenaltyFavoursLongerFinishedHypothesesWhenPositive()
    {
        // Ending now costs log-prob; continuing costs a little more per step but the penalty divides by length.
        using var target = new ScriptedTarget(6, (last, t) => t == 2 ? (last == 4 ? 2f : 0.5f) : t == 4 ? 1f : 0f);
        var baseSettings = new GenerationSettings { MaxLength = 12, NumBeams = 2, EosTokenId = 2, DecoderStartTokenId = 2, EarlyStopping = Summarizer.Model.Configuration.EarlyStoppingMode.Never };

        var shortest = BeamSearch.Run(target, baseSettings with { LengthPenalty = -2.0 }).SequenceIds;
        var longest = BeamSearch.Run(target, baseSettings with { LengthPenalty = 2.0 }).SequenceIds;

        Assert.True(longest.Count > shortest.Count);
    }

    [Fact]
    public void BeamSearchStreamsOnlyTokensEveryBeamAgreesOnAndTheyAddUpToTheResult()
    {
        using var model = TinyBart.Create();
        var shards = TinyBart.EncodeDocument(model, TinyBart.RandomTokens(120, seed: 31), shardLength: 64);
        var streamed = new List<int>();
        var settings = TinyBart.Settings(maxLength: 30, beams: 4) with { NoRepeatNgramSize = 3 };

        var result = TinyBart.Generate(model, shards, settings, onDecided: ids => streamed.AddRange(ids));

        Assert.Equal(result.GeneratedIds, streamed);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void GreedyStreamsEveryTokenAsItIsDecided()
    {
        using var model = TinyBart.Create();
        var shards = TinyBart.EncodeDocument(model, TinyBart.RandomTokens(60, seed: 32), shardLength: 64);
        var deliveries = new List<IReadOnlyList<int>>();

        var result = TinyBart.Generate(model, shards, TinyBart.Settings(maxLength: 15), onDecided: ids => deliveries.Add(ids));

        Assert.All(deliveries, d => Assert.Single(d));
        Assert.Equal(result.GeneratedIds, deliveries.SelectMany(d => d));
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void SameSeedGivesSameWeightsAndSameOutput()
    {
        var tokens = TinyBart.RandomTokens(80, seed: 41);
        IReadOnlyList<int> Run(int seed)
        {
            using var model = TinyBart.Create(seed: seed);
            var shards = TinyBart.EncodeDocument(model, tokens, shardLength: 64);
            var ids = TinyBart.Generate(model, shards, TinyBart.Settings(maxLength: 25, beams: 2)).SequenceIds;
            foreach (var s in shards) s.Dispose();
            return ids;
        }

        Assert.Equal(Run(5), Run(5));
        using var a = Summarizer.Model.Bart.RandomWeights.Generate(TinyBart.Config(), 5);
        using var b = Summarizer.Model.Bart.RandomWeights.Generate(TinyBart.Config(), 6);
        Assert.False(a["model.shared.weight"].eq(b["model.shared.weight"]).all().item<bool>());
    }

    [Fact]
    public void DecodingManyStepsLeavesNoTensorsBehind()
    {
        using var model = TinyBart.Create(TinyBart.Config(maxPositions: 256));
        var shards = TinyBart.EncodeDocument(model, TinyBart.RandomTokens(100, seed: 51), shardLength: 64);
        using var memory = new Summarizer.Model.Attention.ShardedCrossAttention(shards, Summarizer.Model.Attention.CrossAttentionMode.Sparse(1));
        using var target = new LocalDecodeTarget(model, memory);
        var settings = new GenerationSettings { MaxLength = 200, NumBeams = 3, EosTokenId = 299, DecoderStartTokenId = 2, PadTokenId = 1 };

        // Warm up, then measure across a long run: live tensors must not grow with the number of steps.
        target.Step([2, 2, 2], true);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        BeamSearch.Run(new NonDisposing(target), settings with { MaxLength = 150 });
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        Assert.InRange(after - before, -64, 64);
        foreach (var s in shards) s.Dispose();
    }

    private sealed class NonDisposing(IDecodeTarget inner) : IDecodeTarget
    {
        public int VocabSize => inner.VocabSize;
        public float[] Step(IReadOnlyList<int> lastTokens, bool logSoftmax) => inner.Step(lastTokens, logSoftmax);
        public void Reorder(IReadOnlyList<int> sourceRows) => inner.Reorder(sourceRows);
        public void Dispose() { }
    }
}
