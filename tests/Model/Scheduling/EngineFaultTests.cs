using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Generation;
using Summarizer.Model.Network;
using Summarizer.Model.Scheduling;
using TorchSharp;
using static Summarizer.Model.Tests.Scheduling.EngineHarness;

namespace Summarizer.Model.Tests.Scheduling;

public sealed class EngineFaultTests
{
    /// <summary>A document whose shard turns out corrupt at the <paramref name="failOnCall"/>-th attention call.</summary>
    private sealed class CorruptMemory(ShardedCrossAttention inner, int failOnCall) : ICrossAttentionMemory, IDisposable
    {
        private int _calls;

        public bool Disposed { get; private set; }

        public torch.Tensor Attend(int layer, torch.Tensor query, int positions = 1) =>
            ++_calls >= failOnCall ? throw new InvalidDataException("shard 2 of the document failed its checksum") : inner.Attend(layer, query, positions);

        public void Dispose()
        {
            Disposed = true;
            inner.Dispose();
        }
    }

    [Fact]
    public async Task AJobWhoseMemoryFailsMidDecodeFailsAloneAndTheOthersFinishWithTheirFullText()
    {
        using var model = NewModel();
        var docs = new[] { Document(model, 90, 131), Document(model, 140, 108), Document(model, 100, 104) };
        var settings = new[] { Settings(30, 1) with { MinLength = 30 }, Settings(30, 2), Settings(25, 3) };
        RequireNoNearTies(model, new SoloJob(docs[0], CrossAttentionMode.Exact, settings[0]), new SoloJob(docs[2], CrossAttentionMode.Exact, settings[2]));
        using var engine = new IterationEngine();
        CorruptMemory? corrupt = null;
        var failingTokens = new List<int>();

        var first = engine.Submit(Request(model, docs[0], CrossAttentionMode.Exact, settings[0]));
        var failing = engine.Submit(new DecodeJobRequest(model, () => corrupt = new CorruptMemory(new ShardedCrossAttention(docs[1], CrossAttentionMode.Exact), failOnCall: 9), settings[1])
        {
            OnDecided = failingTokens.AddRange,
        });
        var third = engine.Submit(Request(model, docs[2], CrossAttentionMode.Exact, settings[2]));
        Drain(engine);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => failing.Completion);
        Assert.Contains("checksum", error.Message);
        Assert.Equal(5, failing.LeftAtIteration);   // 2 layers a step: the 9th call is in step 5
        Assert.True(corrupt!.Disposed);
        Assert.Equal(Alone(model, docs[0], CrossAttentionMode.Exact, settings[0]).SequenceIds, (await first.Completion).SequenceIds);
        Assert.Equal(Alone(model, docs[2], CrossAttentionMode.Exact, settings[2]).SequenceIds, (await third.Completion).SequenceIds);
        Assert.Equal((2, 1), (engine.Diagnostics.JobsCompleted, engine.Diagnostics.JobsFailed));
        foreach (var s in docs.SelectMany(d => d)) s.Dispose();
    }

    [Fact]
    public async Task AMemoryThatCannotBeBuiltOrACallbackThatThrowsFailsOnlyItsOwnJob()
    {
        using var model = NewModel();
        var doc = Document(model, 90, 131);
        var settings = Settings(30, 1) with { MinLength = 30 };
        using var engine = new IterationEngine();

        var healthy = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, settings));
        var unbuildable = engine.Submit(new DecodeJobRequest(model, () => throw new IOException("shard blob unreadable"), settings));
        int calls = 0;
        var throwingCallback = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, settings) with
        {
            OnDecided = _ => { if (++calls == 4) throw new InvalidOperationException("subscriber went away"); },
        });
        Drain(engine);

        await Assert.ThrowsAsync<IOException>(() => unbuildable.Completion);
        await Assert.ThrowsAsync<InvalidOperationException>(() => throwingCallback.Completion);
        Assert.Equal(4, throwingCallback.LeftAtIteration);
        Assert.Equal(Alone(model, doc, CrossAttentionMode.Exact, settings).SequenceIds, (await healthy.Completion).SequenceIds);
        foreach (var s in doc) s.Dispose();
    }

    /// <summary>A network whose batched step fails once for no job in particular (say, the device ran out of memory).</summary>
    private sealed class FlakyNetwork(BartModel inner, int failOnBatch) : IDecoderNetwork
    {
        private int _batches;

        public int VocabSize => inner.VocabSize;
        public int? MaxDecoderPositions => inner.MaxDecoderPositions;
        public torch.Device Device => inner.Device;
        public SelfAttentionCache CreateCache() => inner.CreateCache();
        public torch.Tensor DecodeStep(torch.Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory) => inner.DecodeStep(ids, cache, memory);

        public (torch.Tensor LastLogits, torch.Tensor? TokenLogProbs) DecodePrefix(torch.Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory, bool tokenLogProbs) =>
            inner.DecodePrefix(ids, cache, memory, tokenLogProbs);

        public torch.Tensor DecodeBatch(IReadOnlyList<DecodeSegment> segments, Exception?[] failures)
        {
            var logits = inner.DecodeBatch(segments, failures);
            // After the caches were extended: the engine must still find them as they were before the step.
            if (++_batches == failOnBatch) throw new OutOfMemoryException("device memory exhausted");
            return logits;
        }
    }

    [Fact]
    public async Task AStepThatFailsForNoJobInParticularIsRetriedJobByJobAndNoJobIsLost()
    {
        using var model = NewModel();
        var docs = new[] { Document(model, 90, 131), Document(model, 100, 104) };
        var settings = new[] { Settings(30, 1) with { MinLength = 30 }, Settings(25, 3) };
        RequireNoNearTies(model, new SoloJob(docs[0], CrossAttentionMode.Exact, settings[0]), new SoloJob(docs[1], CrossAttentionMode.Exact, settings[1]));
        var network = new FlakyNetwork(model, failOnBatch: 3);
        using var engine = new IterationEngine();

        var jobs = docs.Select((d, i) => engine.Submit(new DecodeJobRequest(network, Memory(d, CrossAttentionMode.Exact), settings[i]))).ToArray();
        Drain(engine);

        for (int i = 0; i < jobs.Length; i++)
            Assert.Equal(Alone(model, docs[i], CrossAttentionMode.Exact, settings[i]).SequenceIds, (await jobs[i].Completion).SequenceIds);
        foreach (var s in docs.SelectMany(d => d)) s.Dispose();
    }
}
