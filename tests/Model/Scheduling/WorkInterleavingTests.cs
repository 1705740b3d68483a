using Summarizer.Model.Attention;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.KvCache;
using Summarizer.Model.Scheduling;
using static Summarizer.Model.Tests.Scheduling.EngineHarness;

namespace Summarizer.Model.Tests.Scheduling;

/// <summary>
/// Encoder work shares the engine's thread with decoding the way chunked prefill does: between two iterations at
/// least one work item runs and at most the budget's worth, so a long encode never stops a running stream and a
/// running stream never stops an encode. Checked as facts about the order of events, not as times.
/// </summary>
public sealed class WorkInterleavingTests
{
    /// <summary>A long document's encoder batches posted as work items, each recording "E" when it runs.</summary>
    private static List<Task<IReadOnlyList<KvShard>>> PostEncode(IterationEngine engine, ShardEncoder encoder, int[] ids, List<string> events)
    {
        var windows = DocumentSharder.Plan(ids.Length, new ShardingOptions(64, 8));
        return windows.Chunk(2).Select(batch => engine.Post(ct =>
        {
            events.Add("E");
            return encoder.Encode("long-doc", ids, batch, KvDType.F32, cancellationToken: ct);
        })).ToList();
    }

    [Fact]
    public async Task ALongEncodeAdvancesOneBatchPerIterationWhileAJobStreamsAndNeitherWaitsForTheOther()
    {
        using var model = NewModel();
        var doc = Document(model, 90, 131);
        var settings = Settings(40, 1) with { MinLength = 40 };
        using var engine = new IterationEngine(new SchedulerSettings { EncoderBudgetPerIteration = TimeSpan.Zero });
        var events = new List<string>();
        var job = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, settings) with { OnDecided = _ => events.Add("D") });
        var longIds = TinyBart.RandomTokens(1500, seed: 3);
        var encoding = PostEncode(engine, new ShardEncoder(model, "m"), longIds, events);

        Drain(engine);

        // 39 tokens and 14 encoder batches: strictly alternating until the encode is done, then the stream alone.
        int batches = encoding.Count;
        Assert.True(batches is > 5 and < 39);
        Assert.Equal(string.Concat(Enumerable.Repeat("DE", batches)) + new string('D', 39 - batches), string.Concat(events));
        var shards = (await Task.WhenAll(encoding)).SelectMany(s => s).ToArray();
        var alone = new ShardEncoder(model, "m").Encode("long-doc", longIds, DocumentSharder.Plan(longIds.Length, new ShardingOptions(64, 8)), KvDType.F32);
        Assert.Equal(alone.Count, shards.Length);
        Assert.Equal(alone.Select(s => s.ValidLength), shards.Select(s => s.ValidLength));
        Assert.Equal(Alone(model, doc, CrossAttentionMode.Exact, settings).SequenceIds, (await job.Completion).SequenceIds);
        foreach (var s in doc.Concat(shards).Concat(alone)) s.Dispose();
    }

    [Fact]
    public void TheBudgetDecidesHowMuchEncoderWorkRunsBetweenTwoIterations()
    {
        using var model = NewModel();
        var doc = Document(model, 90, 131);
        using var engine = new IterationEngine(new SchedulerSettings { EncoderBudgetPerIteration = TimeSpan.FromHours(1) });
        var events = new List<string>();
        engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(12, 1) with { MinLength = 12 }) with { OnDecided = _ => events.Add("D") });
        var encoding = PostEncode(engine, new ShardEncoder(model, "m"), TinyBart.RandomTokens(600, seed: 4), events);

        Drain(engine);

        // A budget longer than the whole encode: every batch runs after the first iteration.
        Assert.Equal("D" + new string('E', encoding.Count) + new string('D', 10), string.Concat(events));
        foreach (var s in doc.Concat(encoding.SelectMany(t => t.Result))) s.Dispose();
    }

    [Fact]
    public void AJobSubmittedDuringALongEncodeStartsStreamingAfterTheBatchInProgress()
    {
        using var model = NewModel();
        var doc = Document(model, 90, 131);
        using var engine = new IterationEngine(new SchedulerSettings { EncoderBudgetPerIteration = TimeSpan.Zero });
        var events = new List<string>();
        var encoding = PostEncode(engine, new ShardEncoder(model, "m"), TinyBart.RandomTokens(1500, seed: 3), events);
        for (int i = 0; i < 3; i++) Assert.True(engine.RunIteration());   // no job: batches run back to back
        engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(8, 1) with { MinLength = 8 }) with { OnDecided = _ => events.Add("D") });

        Drain(engine);

        Assert.StartsWith("EEEDEDEDEDEDEDED", string.Concat(events));
        Assert.Equal(encoding.Count + 7, events.Count);
        foreach (var s in doc.Concat(encoding.SelectMany(t => t.Result))) s.Dispose();
    }

    [Fact]
    public async Task AWorkItemCancelledBeforeItStartsNeverRunsAndDisposingTheEngineEndsWhatItStillHolds()
    {
        using var model = NewModel();
        var doc = Document(model, 60, 1);
        var engine = new IterationEngine();
        using var cancel = new CancellationTokenSource();
        bool ran = false;
        var cancelled = engine.Post(_ => ran = true, cancel.Token);
        cancel.Cancel();
        engine.RunIteration();
        var pendingWork = engine.Post(_ => 42);
        var pendingJob = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(10, 1)));

        engine.Dispose();

        Assert.False(ran);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pendingWork);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pendingJob.Completion);
        Assert.Throws<ObjectDisposedException>(() => engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(10, 1))));
        foreach (var s in doc) s.Dispose();
    }
}
