using Summarizer.Model.Attention;
using Summarizer.Model.Scheduling;
using TorchSharp;
using static Summarizer.Model.Tests.Scheduling.EngineHarness;

namespace Summarizer.Model.Tests.Scheduling;

public sealed class EngineResourceTests
{
    [Fact]
    public async Task LiveTensorsStayFlatOverHundredsOfIterationsAndReturnToTheStartWhenJobsLeave()
    {
        using var model = NewModel();
        var docs = new[] { Document(model, 90, 131), Document(model, 200, 132) };
        using var engine = new IterationEngine(new SchedulerSettings { MaxBatchRows = 8 });
        var liveAt = new Dictionary<long, long>();
        engine.Iterated += r => liveAt[r.Iteration] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        // Warm-up: lazily created native state (and TorchSharp's own) is not what this test is about.
        await Run(engine, model, docs, jobs: 3);
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // Three long jobs side by side (steady state), then waves of short jobs joining and leaving.
        var steady = Enumerable.Range(0, 3).Select(i => engine.Submit(Request(model, docs[i % 2], CrossAttentionMode.Exact, Settings(220, 1 + i) with { MinLength = 220 }))).ToArray();
        for (int i = 0; i < 20; i++) engine.RunIteration();
        long firstSample = liveAt.Keys.Max();
        for (int i = 0; i < 180; i++) engine.RunIteration();
        long lastSample = liveAt.Keys.Max();
        await Run(engine, model, docs, jobs: 40);
        Drain(engine);
        await Task.WhenAll(steady.Select(j => j.Completion));
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        // While the same jobs run, the count does not move: caches replace their tensors, every step's temporaries die.
        Assert.Equal(liveAt[firstSample], liveAt[lastSample]);
        Assert.True(lastSample - firstSample >= 150);
        Assert.InRange(after - before, -8, 8);
        foreach (var s in docs.SelectMany(d => d)) s.Dispose();
    }

    private static async Task Run(IterationEngine engine, Summarizer.Model.Bart.BartModel model, IReadOnlyList<IReadOnlyList<Summarizer.Model.KvCache.KvShard>> docs, int jobs)
    {
        var handles = Enumerable.Range(0, jobs)
            .Select(i => engine.Submit(Request(model, docs[i % docs.Count], i % 3 == 0 ? CrossAttentionMode.Sparse(1) : CrossAttentionMode.Exact, Settings(8 + i % 13, 1 + i % 3))))
            .ToArray();
        while (handles.Any(h => !h.Completion.IsCompleted)) engine.RunIteration();
        await Task.WhenAll(handles.Select(h => h.Completion));
    }
}
