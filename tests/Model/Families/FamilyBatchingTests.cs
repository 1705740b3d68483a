using Summarizer.Model.Attention;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Network;
using Summarizer.Model.Scheduling;
using Summarizer.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Families;

/// <summary>
/// The scheduler's forward passes for every family: a batched step across jobs (T5 with each job's own relative
/// position bias) and a prefix pass, each equal to the one-job step-by-step decoding it replaces.
/// </summary>
public sealed class FamilyBatchingTests
{
    private const float Tolerance = 1e-5f;

    private static KvShard[] Document(IEncoderDecoderNetwork model, int tokens, int seed, int pieces)
    {
        var random = new Random(seed);
        var ids = Enumerable.Range(0, tokens).Select(_ => (long)random.Next(4, 300)).Append(1L).ToArray();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = tensor(ids, [1, ids.Length]);
        var hidden = model.Encode(input, ones_like(input))[0];
        var encoder = new ShardEncoder(model, "m");
        long per = (hidden.shape[0] + pieces - 1) / pieces;
        return Enumerable.Range(0, pieces)
            .Select(i => encoder.ProjectShard("doc", i, 0, 0, hidden.narrow(0, i * per, Math.Min(per, hidden.shape[0] - i * per)), KvDType.F32))
            .ToArray();
    }

    private static float MaxDifference(float[] a, ReadOnlySpan<float> b)
    {
        float worst = 0;
        for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
        return worst;
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void EveryFamilysBatchedStepGivesEachJobTheLogitsItGetsAlone(string family)
    {
        using var model = TinyFamily.Create(family);
        var docs = new[] { Document(model, 70, 1, 2), Document(model, 40, 2, 1), Document(model, 90, 3, 3) };
        var modes = new[] { CrossAttentionMode.Exact, CrossAttentionMode.Exact, CrossAttentionMode.Sparse(1) };
        var rows = new[] { 1, 3, 2 };
        var memories = docs.Select((d, i) => new ShardedCrossAttention(d, modes[i])).ToArray();
        var alone = memories.Select(m => new LocalDecodeTarget(model, m)).ToArray();
        var caches = memories.Select(_ => model.CreateCache()).ToArray();
        var random = new Random(9);
        int[] Tokens(int job) => Enumerable.Range(0, rows[job]).Select(_ => random.Next(4, 300)).ToArray();
        // Caches of 0, 4 and 8 positions: each job's row is at its own position (T5: its own relative bias).
        for (int j = 0; j < 3; j++)
            for (int p = 0; p < 4 * j; p++)
            {
                var warm = Tokens(j);
                alone[j].Step(warm, logSoftmax: false);
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                model.DecodeStep(tensor(warm.Select(t => (long)t).ToArray(), [warm.Length, 1]), caches[j], memories[j]);
            }

        float worst = 0;
        for (int step = 0; step < 5; step++)
        {
            var tokens = Enumerable.Range(0, 3).Select(Tokens).ToArray();
            var failures = new Exception?[3];
            float[] batch;
            using (var scope = NewDisposeScope())
            using (no_grad())
                batch = LocalDecodeTarget.ToHost(model.DecodeBatch(Enumerable.Range(0, 3).Select(j => new DecodeSegment(tokens[j], caches[j], memories[j])).ToArray(), failures));
            Assert.All(failures, Assert.Null);
            int offset = 0;
            for (int j = 0; j < 3; j++)
            {
                var expected = alone[j].Step(tokens[j], logSoftmax: false);
                worst = Math.Max(worst, MaxDifference(expected, batch.AsSpan(offset, expected.Length)));
                offset += expected.Length;
            }
        }

        Assert.True(worst <= Tolerance, $"{family}: largest difference {worst:G3}");
        foreach (var d in alone) d.Dispose();
        foreach (var c in caches) c.Dispose();
        foreach (var m in memories) m.Dispose();
        foreach (var s in docs.SelectMany(d => d)) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void EveryFamilysJobAloneInTheBatchedStepGetsExactlyTheLogitsOfItsOwnStepAtEightBeams(string family)
    {
        // Eight rows of one job: the range where the LM head used to be padded to 16 rows. Alone, a job's products must
        // be the plain ones its one-job step (and Hugging Face's F.linear) computes, to the bit.
        using var model = TinyFamily.Create(family);
        var doc = Document(model, 70, 4, 2);
        using var memory = new ShardedCrossAttention(doc, CrossAttentionMode.Exact);
        using var alone = new LocalDecodeTarget(model, memory);
        using var cache = model.CreateCache();
        var random = new Random(5);
        for (int step = 0; step < 4; step++)
        {
            var tokens = Enumerable.Range(0, 8).Select(_ => random.Next(4, 300)).ToArray();
            var failures = new Exception?[1];
            float[] batch;
            using (var scope = NewDisposeScope())
            using (no_grad())
                batch = LocalDecodeTarget.ToHost(model.DecodeBatch([new DecodeSegment(tokens, cache, memory)], failures));
            Assert.Null(failures[0]);
            var expected = alone.Step(tokens, logSoftmax: false);
            Assert.True(expected.AsSpan().SequenceEqual(batch), $"{family}, step {step}: largest difference {MaxDifference(expected, batch):G3}");
        }
        foreach (var s in doc) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public void EveryFamilysPrefixPassRebuildsTheCacheStepByStepDecodingBuilds(string family)
    {
        using var model = TinyFamily.Create(family);
        var shards = Document(model, 80, 4, 3);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(1));
        int start = model.Config.DecoderStartTokenId;
        int[] prefix = [start, 17, 44, 91, 130, 8, 250, 64, 5, 77];
        using var stepwise = new LocalDecodeTarget(model, memory);
        var logProbs = new float[prefix.Length - 1];
        float[] last = [];
        for (int i = 0; i < prefix.Length; i++)
        {
            last = stepwise.Step([prefix[i]], logSoftmax: true);
            if (i + 1 < prefix.Length) logProbs[i] = last[prefix[i + 1]];
        }
        using var onePass = new LocalDecodeTarget(model, memory);

        var (scores, tokenLogProbs) = onePass.Prefill(prefix, rows: 2, logSoftmax: true, tokenLogProbs: true);
        var next = onePass.Step([33, 33], logSoftmax: false);
        var expectedNext = stepwise.Step([33], logSoftmax: false);

        Assert.True(MaxDifference(last, scores.AsSpan(0, last.Length)) <= Tolerance);
        Assert.True(MaxDifference(last, scores.AsSpan(last.Length)) <= Tolerance);
        Assert.True(MaxDifference(logProbs, tokenLogProbs) <= Tolerance);
        Assert.True(MaxDifference(expectedNext, next.AsSpan(expectedNext.Length)) <= Tolerance);
        foreach (var s in shards) s.Dispose();
    }

    [Theory]
    [MemberData(nameof(TinyFamily.Types), MemberType = typeof(TinyFamily))]
    public async Task EveryFamilysJobsInOneEngineGetTheTokensTheyGetAlone(string family)
    {
        using var model = TinyFamily.Create(family);
        var jobs = new (KvShard[] Doc, GenerationSettings Settings)[]
        {
            (Document(model, 70, 5, 2), Settings(model, beams: 1)),
            (Document(model, 50, 6, 1), Settings(model, beams: 3)),
            (Document(model, 90, 8, 3), Settings(model, beams: 2)),
        };
        var expected = new IReadOnlyList<int>[jobs.Length];
        for (int i = 0; i < jobs.Length; i++)
        {
            using var memory = new ShardedCrossAttention(jobs[i].Doc, CrossAttentionMode.Exact);
            float gap = NearTies.SmallestGap(model, memory, jobs[i].Settings);
            Assert.True(gap > NearTies.Margin, $"{family} job {i}: near tie ({gap:G3})");
            using var target = new LocalDecodeTarget(model, memory);
            expected[i] = DecodeSearch.Run(DecodeSearch.Create(jobs[i].Settings, model.VocabSize), target, null, default).SequenceIds;
        }
        using var engine = new IterationEngine();

        var handles = jobs.Select(j => engine.Submit(new DecodeJobRequest(model, () => new ShardedCrossAttention(j.Doc, CrossAttentionMode.Exact), j.Settings))).ToArray();
        while (engine.RunIteration()) { }

        for (int i = 0; i < jobs.Length; i++) Assert.Equal(expected[i], (await handles[i].Completion).SequenceIds);
        foreach (var s in jobs.SelectMany(j => j.Doc)) s.Dispose();
    }

    private static GenerationSettings Settings(IEncoderDecoderNetwork model, int beams) => new()
    {
        MaxLength = 14, MinLength = 14, NumBeams = beams, DecoderStartTokenId = model.Config.DecoderStartTokenId, EosTokenId = 1, PadTokenId = 0,
        EarlyStopping = Summarizer.Model.Configuration.EarlyStoppingMode.Heuristic,
    };
}
