using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Generation;
using Summarizer.Model.Network;
using Summarizer.Model.KvCache;
using Summarizer.Model.Tests.Scheduling;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Bart;

public sealed class BatchedDecodingTests
{
    /// <summary>Largest logit difference between a row in a batch and the same row alone that the tests accept.</summary>
    private const float Tolerance = 1e-5f;

    /// <summary>One job seen two ways: alone (its own target) and as a segment of a batch (its own cache, its own memory).</summary>
    private sealed class Job : IDisposable
    {
        public Job(BartModel model, IReadOnlyList<KvShard> shards, CrossAttentionMode mode, int rows)
        {
            Memory = new ShardedCrossAttention(shards, mode);
            Alone = new LocalDecodeTarget(model, Memory);
            Cache = model.CreateCache();
            Rows = rows;
        }

        public ShardedCrossAttention Memory { get; }
        public LocalDecodeTarget Alone { get; }
        public SelfAttentionCache Cache { get; }
        public int Rows { get; }

        public void Dispose()
        {
            Alone.Dispose();
            Cache.Dispose();
            Memory.Dispose();
        }
    }

    private static float[] StepAlone(BartModel model, SelfAttentionCache cache, ICrossAttentionMemory memory, int[] tokens)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return LocalDecodeTarget.ToHost(model.DecodeStep(tensor(tokens.Select(t => (long)t).ToArray(), [tokens.Length, 1]), cache, memory));
    }

    [Fact]
    public void EveryJobGetsTheLogitsItGetsAloneWhateverItsCacheLengthRowsAndMemoryMode()
    {
        using var model = EngineHarness.NewModel();
        var documents = new[] { (90, 1), (200, 2), (40, 3) }.Select(d => EngineHarness.Document(model, d.Item1, d.Item2)).ToArray();
        // Ragged on purpose: different documents, exact and sparse memories, 1 to 3 rows, caches 0 to 9 positions long.
        var jobs = new[]
        {
            new Job(model, documents[0], CrossAttentionMode.Exact, 1),
            new Job(model, documents[1], CrossAttentionMode.Sparse(1), 3),
            new Job(model, documents[2], CrossAttentionMode.Exact, 2),
            new Job(model, documents[1], CrossAttentionMode.Exact, 1),
        };
        var random = new Random(5);
        int[] Tokens(Job j) => Enumerable.Range(0, j.Rows).Select(_ => random.Next(4, 300)).ToArray();
        for (int j = 0; j < jobs.Length; j++)
        {
            for (int p = 0; p < 3 * j; p++)
            {
                var warm = Tokens(jobs[j]);
                jobs[j].Alone.Step(warm, logSoftmax: false);
                StepAlone(model, jobs[j].Cache, jobs[j].Memory, warm);
            }
        }

        float worst = 0;
        for (int step = 0; step < 6; step++)
        {
            var tokens = jobs.Select(Tokens).ToArray();
            var failures = new Exception?[jobs.Length];
            float[] batch;
            using (var scope = NewDisposeScope())
            using (no_grad())
                batch = LocalDecodeTarget.ToHost(model.DecodeBatch(jobs.Select((j, i) => new DecodeSegment(tokens[i], j.Cache, j.Memory)).ToArray(), failures));
            Assert.All(failures, Assert.Null);
            int offset = 0;
            for (int j = 0; j < jobs.Length; j++)
            {
                var alone = jobs[j].Alone.Step(tokens[j], logSoftmax: false);
                for (int k = 0; k < alone.Length; k++) worst = Math.Max(worst, Math.Abs(alone[k] - batch[offset + k]));
                offset += alone.Length;
                Assert.Equal(jobs[j].Alone.Cache.Length, jobs[j].Cache.Length);
            }
        }
        Assert.True(worst <= Tolerance, $"largest difference {worst:G3}");
        foreach (var j in jobs) j.Dispose();
        foreach (var s in documents.SelectMany(d => d)) s.Dispose();
    }

    private sealed class CountingMemory(ICrossAttentionMemory inner) : ICrossAttentionMemory
    {
        public int Calls { get; private set; }

        public object? FoldKey => inner.FoldKey;

        public Tensor Attend(int layer, Tensor query, int positions = 1)
        {
            Calls++;
            return inner.Attend(layer, query, positions);
        }
    }

    [Fact]
    public void JobsOnOneExactMemoryShareOneCallPerLayerAndEachGetsTheLogitsItGetsAloneWhileSparseJobsKeepTheirOwnCalls()
    {
        using var model = EngineHarness.NewModel();
        var shards = EngineHarness.Document(model, 150, 11);
        using var exact = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        using var sparse = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(1));
        var sharedExact = new CountingMemory(exact);
        var sharedSparse = new CountingMemory(sparse);
        // Three exact jobs (1, 3 and 2 rows, caches of different lengths) and two sparse ones on the same document.
        var jobs = new (ICrossAttentionMemory Memory, int Rows, int Warm)[] { (sharedExact, 1, 0), (sharedSparse, 2, 1), (sharedExact, 3, 4), (sharedSparse, 1, 2), (sharedExact, 2, 7) };
        var caches = jobs.Select(_ => model.CreateCache()).ToArray();
        var alone = jobs.Select(j => new LocalDecodeTarget(model, j.Memory == sharedExact ? exact : sparse)).ToArray();
        var random = new Random(9);
        int[] Tokens(int rows) => Enumerable.Range(0, rows).Select(_ => random.Next(4, 300)).ToArray();
        for (int j = 0; j < jobs.Length; j++)
        {
            for (int p = 0; p < jobs[j].Warm; p++)
            {
                var warm = Tokens(jobs[j].Rows);
                alone[j].Step(warm, logSoftmax: false);
                StepAlone(model, caches[j], j % 2 == 0 ? exact : sparse, warm);
            }
        }

        var tokens = jobs.Select(j => Tokens(j.Rows)).ToArray();
        var failures = new Exception?[jobs.Length];
        float[] batch;
        using (var scope = NewDisposeScope())
        using (no_grad())
            batch = LocalDecodeTarget.ToHost(model.DecodeBatch(jobs.Select((j, i) => new DecodeSegment(tokens[i], caches[i], j.Memory)).ToArray(), failures));

        Assert.All(failures, Assert.Null);
        int layers = model.Config.DecoderLayers;
        Assert.Equal(layers, sharedExact.Calls);
        Assert.Equal(2 * layers, sharedSparse.Calls);
        float worst = 0;
        int offset = 0;
        for (int j = 0; j < jobs.Length; j++)
        {
            var expected = alone[j].Step(tokens[j], logSoftmax: false);
            for (int k = 0; k < expected.Length; k++) worst = Math.Max(worst, Math.Abs(expected[k] - batch[offset + k]));
            offset += expected.Length;
        }
        Assert.True(worst <= Tolerance, $"largest difference {worst:G3}");
        foreach (var a in alone) a.Dispose();
        foreach (var c in caches) c.Dispose();
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void AMemoryWithATraceOrSparseSelectionIsNeverSharedAndAnExactOneIs()
    {
        using var model = EngineHarness.NewModel();
        var shards = EngineHarness.Document(model, 150, 11);
        using var exact = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        using var sparse = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(1));
        using var traced = new ShardedCrossAttention(shards, CrossAttentionMode.Exact, attribution: new Summarizer.Model.Attribution.AttentionTrace(new Summarizer.Model.Encoder.ShardEncoder(model, "test-model").Template));

        Assert.Same(exact, exact.FoldKey);
        Assert.Null(sparse.FoldKey);
        Assert.Null(traced.FoldKey);
        foreach (var s in shards) s.Dispose();
    }

    private sealed class ThrowingMemory(ICrossAttentionMemory inner, int failOnCall) : ICrossAttentionMemory
    {
        public int Calls { get; private set; }

        public Tensor Attend(int layer, Tensor query, int positions = 1) =>
            ++Calls == failOnCall ? throw new InvalidDataException("shard 3 failed its checksum") : inner.Attend(layer, query, positions);
    }

    [Fact]
    public void AMemoryThatThrowsFailsOnlyItsSegmentAndLeavesItsCacheAsItWas()
    {
        using var model = EngineHarness.NewModel();
        var shards = EngineHarness.Document(model, 120, 7);
        using var good = new Job(model, shards, CrossAttentionMode.Exact, 2);
        using var bad = new Job(model, shards, CrossAttentionMode.Exact, 1);
        var throwing = new ThrowingMemory(bad.Memory, failOnCall: 2);   // fails in the second decoder layer
        int[] goodTokens = [5, 6], badTokens = [7];
        var failures = new Exception?[2];
        float[] batch;
        using (var scope = NewDisposeScope())
        using (no_grad())
            batch = LocalDecodeTarget.ToHost(model.DecodeBatch([new DecodeSegment(goodTokens, good.Cache, good.Memory), new DecodeSegment(badTokens, bad.Cache, throwing)], failures));

        Assert.Null(failures[0]);
        Assert.IsType<InvalidDataException>(failures[1]);
        var alone = good.Alone.Step(goodTokens, logSoftmax: false);
        Assert.True(alone.Select((v, i) => Math.Abs(v - batch[i])).Max() <= Tolerance);
        Assert.Equal(1, good.Cache.Length);
        Assert.Equal(0, bad.Cache.Length);
        // The failed segment's cache is intact: stepped again it gives what a fresh job gives.
        var retried = StepAlone(model, bad.Cache, bad.Memory, badTokens);
        var fresh = bad.Alone.Step(badTokens, logSoftmax: false);
        Assert.Equal(fresh, retried);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void APrefixDecodedInOnePassRebuildsTheCacheDecodingItStepByStepBuilds()
    {
        using var model = EngineHarness.NewModel();
        var shards = EngineHarness.Document(model, 260, 9);
        // Sparse top-1 over 5 shards: each prefix position must pick its own shard, as it did step by step.
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(1));
        int[] prefix = [2, 0, 17, 44, 91, 130, 8, 250, 64];
        using var stepwise = new LocalDecodeTarget(model, memory);
        var logProbs = new List<float>();
        float[] last = [];
        for (int i = 0; i < prefix.Length; i++)
        {
            last = stepwise.Step([prefix[i]], logSoftmax: true);
            if (i + 1 < prefix.Length) logProbs.Add(last[prefix[i + 1]]);
        }
        using var onePass = new LocalDecodeTarget(model, memory);

        var (scores, tokenLogProbs) = onePass.Prefill(prefix, rows: 3, logSoftmax: true, tokenLogProbs: true);

        Assert.Equal(1, onePass.Steps);
        Assert.Equal(prefix.Length, onePass.Cache.Length);
        Assert.Equal(3 * last.Length, scores.Length);
        for (int r = 0; r < 3; r++)
            Assert.True(last.Select((v, i) => Math.Abs(v - scores[r * last.Length + i])).Max() <= Tolerance);
        Assert.True(logProbs.Zip(tokenLogProbs!).Max(p => Math.Abs(p.First - p.Second)) <= Tolerance);
        // The rebuilt cache continues like the step-by-step one, on every row.
        var next = onePass.Step([33, 33, 33], logSoftmax: false);
        var expected = stepwise.Step([33], logSoftmax: false);
        for (int r = 0; r < 3; r++)
            Assert.True(expected.Select((v, i) => Math.Abs(v - next[r * expected.Length + i])).Max() <= Tolerance);
        foreach (var s in shards) s.Dispose();
    }
}
