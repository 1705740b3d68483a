using Summarizer.Model.Attention;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.KvCache;
using Summarizer.Model.Scheduling;
using static Summarizer.Model.Tests.Scheduling.EngineHarness;

namespace Summarizer.Model.Tests.Scheduling;

/// <summary>
/// Encoder work shares the engine's thread with decoding the way chunked prefill does: between two iterations at
/// least one work item runs, and more only while they have taken less than the budget, so a long encode never stops a
/// running stream and a running stream never stops an encode. Checked as facts about the order of events (with times
/// on a clock the test moves), not as timings.
/// </summary>
public sealed class WorkInterleavingTests
{
    /// <summary>A long document's encoder batches posted as work items, each recording "E" when it runs.</summary>
    private static List<Task<IReadOnlyList<KvShard>>> PostEncode(IterationEngine engine, ShardEncoder encoder, int[] ids, List<string> events,
        ManualClock? clock = null, int itemMs = 0)
    {
        var windows = DocumentSharder.Plan(ids.Length, new ShardingOptions(64, 8));
        return windows.Chunk(2).Select(batch => engine.Post(ct =>
        {
            events.Add("E");
            clock?.Advance(itemMs);
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
    public void ABudgetLongerThanTheEncodeLetsEveryBatchRunAfterTheFirstStep()
    {
        using var model = NewModel();
        var doc = Document(model, 90, 131);
        var clock = new ManualClock();
        using var engine = new IterationEngine(new SchedulerSettings { EncoderBudgetPerIteration = TimeSpan.FromHours(1) }, clock);
        var events = new List<string>();
        engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(12, 1) with { MinLength = 12 }) with
        {
            OnDecided = _ => events.Add("D"),
        });
        var encoding = PostEncode(engine, new ShardEncoder(model, "m"), TinyBart.RandomTokens(600, seed: 4), events, clock, itemMs: 1);

        Drain(engine);

        // 1 ms batches under a one-hour budget: all of them run after the first step.
        Assert.Equal("D" + new string('E', encoding.Count) + new string('D', 10), string.Concat(events));
        foreach (var s in doc.Concat(encoding.SelectMany(t => t.Result))) s.Dispose();
    }

    [Theory]
    [InlineData(3, 5, 2)]     // 3 ms, then 6 ms reaches the 5 ms budget
    [InlineData(3, 9, 3)]
    [InlineData(25, 5, 1)]    // an item longer than the budget still runs, alone
    [InlineData(3, 0, 1)]     // no budget: one item a step
    public void WorkAfterAStepStopsOnceItHasSpentTheBudgetSoAStreamWaitsAtMostOneStepTheBudgetAndOneItem(
        int itemMs, int budgetMs, int itemsPerStep)
    {
        const int StepMs = 10;
        using var model = NewModel();
        var doc = Document(model, 90, 131);
        var clock = new ManualClock();
        using var engine = new IterationEngine(new SchedulerSettings { EncoderBudgetPerIteration = TimeSpan.FromMilliseconds(budgetMs) }, clock);
        var events = new List<string>();
        var tokenAt = new List<double>();
        engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(40, 1) with { MinLength = 40 }) with
        {
            OnDecided = _ => { clock.Advance(StepMs); events.Add("D"); tokenAt.Add(clock.Milliseconds); },
        });
        var encoding = PostEncode(engine, new ShardEncoder(model, "m"), TinyBart.RandomTokens(1500, seed: 3), events, clock, itemMs);

        Drain(engine);

        int batches = encoding.Count;
        Assert.Equal(Interleave(39, batches, itemsPerStep), string.Concat(events));
        var longestGap = tokenAt.Zip(tokenAt.Skip(1), (a, b) => b - a).Max();
        Assert.True(longestGap <= StepMs + budgetMs + itemMs, $"a stream waited {longestGap} ms");
        foreach (var s in doc.Concat(encoding.SelectMany(t => t.Result))) s.Dispose();
    }

    /// <summary>Tokens and batches as the engine orders them: each token followed by up to <paramref name="perStep"/> batches.</summary>
    private static string Interleave(int tokens, int batches, int perStep)
    {
        var order = new System.Text.StringBuilder();
        for (int t = 0; t < tokens; t++)
        {
            order.Append('D');
            int run = Math.Min(perStep, batches);
            order.Append('E', run);
            batches -= run;
        }
        return order.ToString();
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

/// <summary>A clock that moves only when told, so the engine's time budgets are tested as facts, not timings.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public double Milliseconds => TimeSpan.FromTicks(GetTimestamp()).TotalMilliseconds;

    public void Advance(double milliseconds) => Interlocked.Add(ref _ticks, TimeSpan.FromMilliseconds(milliseconds).Ticks);
}
