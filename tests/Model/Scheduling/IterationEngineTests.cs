using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
using Summarizer.Model.Scheduling;
using static Summarizer.Model.Tests.Scheduling.EngineHarness;

namespace Summarizer.Model.Tests.Scheduling;

public sealed class IterationEngineTests
{
    [Fact]
    public async Task GreedyAndBeamJobsDecodedInOneBatchGetExactlyTheTokensTheyGetAlone()
    {
        using var model = NewModel();
        var docs = new[] { Document(model, 150, 101), Document(model, 60, 101), Document(model, 230, 107), Document(model, 100, 104) };
        var jobs = new (int Doc, CrossAttentionMode Mode, int Beams, int MaxLength)[]
        {
            (0, CrossAttentionMode.Exact, 1, 40), (1, CrossAttentionMode.Exact, 4, 30), (2, CrossAttentionMode.Sparse(2), 1, 35),
            (3, CrossAttentionMode.Exact, 3, 25), (2, CrossAttentionMode.Exact, 2, 40),
        };
        RequireNoNearTies(model, jobs.Select(j => new SoloJob(docs[j.Doc], j.Mode, Settings(j.MaxLength, j.Beams))).ToArray());
        using var engine = new IterationEngine();
        var reports = new List<IterationReport>();
        engine.Iterated += reports.Add;
        var streamed = jobs.Select(_ => new List<int>()).ToArray();

        var handles = jobs.Select((j, i) => engine.Submit(Request(model, docs[j.Doc], j.Mode, Settings(j.MaxLength, j.Beams)) with { OnDecided = streamed[i].AddRange })).ToArray();
        Drain(engine);

        Assert.Equal(5, reports[0].Jobs);
        Assert.Equal(1 + 4 + 1 + 3 + 2, reports[0].Rows);
        for (int i = 0; i < jobs.Length; i++)
        {
            var alone = Alone(model, docs[jobs[i].Doc], jobs[i].Mode, Settings(jobs[i].MaxLength, jobs[i].Beams));
            var result = await handles[i].Completion;
            Assert.Equal(alone.SequenceIds, result.SequenceIds);
            Assert.Equal(alone.DecoderSteps, result.DecoderSteps);
            Assert.Equal(result.GeneratedIds, streamed[i]);
        }
        foreach (var s in docs.SelectMany(d => d)) s.Dispose();
    }

    [Fact]
    public async Task JobsJoinAtTheNextIterationBoundaryAndLeaveWhenTheyFinish()
    {
        using var model = NewModel();
        var doc = Document(model, 120, 111);
        var longJob = Settings(40, 1) with { MinLength = 40 };   // exactly 39 steps
        var shortJob = Settings(12, 2) with { MinLength = 12 };
        RequireNoNearTies(model, new SoloJob(doc, CrossAttentionMode.Exact, longJob), new SoloJob(doc, CrossAttentionMode.Exact, shortJob));
        using var engine = new IterationEngine();
        var reports = new List<IterationReport>();
        engine.Iterated += reports.Add;

        var first = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, longJob));
        for (int i = 0; i < 5; i++) engine.RunIteration();
        var second = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, shortJob));
        Drain(engine);

        Assert.Equal(1, first.JoinedAtIteration);
        Assert.Equal(6, second.JoinedAtIteration);
        // The beam job runs 11 steps (iterations 6-16) beside the greedy one, then leaves; the greedy job goes on alone.
        Assert.Equal(16, second.LeftAtIteration);
        Assert.Equal(39, first.LeftAtIteration);
        Assert.All(reports.Take(5), r => Assert.Equal((1, 1), (r.Jobs, r.Rows)));
        Assert.All(reports.Skip(5).Take(11), r => Assert.Equal((2, 3), (r.Jobs, r.Rows)));
        Assert.All(reports.Skip(16), r => Assert.Equal((1, 1), (r.Jobs, r.Rows)));
        Assert.Equal(Alone(model, doc, CrossAttentionMode.Exact, longJob).SequenceIds, (await first.Completion).SequenceIds);
        Assert.Equal(Alone(model, doc, CrossAttentionMode.Exact, shortJob).SequenceIds, (await second.Completion).SequenceIds);
        foreach (var s in doc) s.Dispose();
    }

    [Fact]
    public void JobsBeyondTheRowBudgetWaitAndJoinInArrivalOrderWithoutBeingOvertaken()
    {
        using var model = NewModel();
        var doc = Document(model, 80, 121);
        using var engine = new IterationEngine(new SchedulerSettings { MaxBatchRows = 4 });
        var reports = new List<IterationReport>();
        engine.Iterated += reports.Add;

        var greedy = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(20, 1) with { MinLength = 20 }));
        var beams = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(10, 4) with { MinLength = 10 }));
        var small = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(10, 1) with { MinLength = 10 }));
        Drain(engine);

        // 1 + 4 rows exceed the budget of 4: the beam job waits for the greedy one, and the later greedy job, which
        // would fit, waits behind it instead of overtaking.
        Assert.True(reports.Max(r => r.Rows) <= 4);
        Assert.Equal(greedy.LeftAtIteration + 1, beams.JoinedAtIteration);
        Assert.True(small.JoinedAtIteration > beams.JoinedAtIteration);
        Assert.Equal(2, reports[0].QueuedJobs);
        Assert.All(new[] { greedy, beams, small }, j => Assert.True(j.Completion.IsCompletedSuccessfully));
        foreach (var s in doc) s.Dispose();
    }

    [Fact]
    public async Task AJobLargerThanTheRowBudgetRunsWhenItIsAlone()
    {
        using var model = NewModel();
        var doc = Document(model, 80, 122);
        using var engine = new IterationEngine(new SchedulerSettings { MaxBatchRows = 2 });

        var job = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(8, 4)));
        Drain(engine);

        Assert.Equal(Alone(model, doc, CrossAttentionMode.Exact, Settings(8, 4)).SequenceIds, (await job.Completion).SequenceIds);
        foreach (var s in doc) s.Dispose();
    }

    [Fact]
    public async Task CancellingOneJobMidBatchEndsItAtTheNextBoundaryAndTheOthersFinishUntouched()
    {
        using var model = NewModel();
        var docs = new[] { Document(model, 90, 131), Document(model, 140, 132) };
        var settings = new[] { Settings(30, 1) with { MinLength = 30 }, Settings(30, 3), Settings(30, 1) };
        RequireNoNearTies(model, new SoloJob(docs[0], CrossAttentionMode.Exact, settings[0]), new SoloJob(docs[1], CrossAttentionMode.Exact, settings[2]));
        using var engine = new IterationEngine();
        using var cancel = new CancellationTokenSource();
        var cancelledTokens = new List<int>();
        int callsAfterCancel = 0;
        var kept = engine.Submit(Request(model, docs[0], CrossAttentionMode.Exact, settings[0]));
        var cancelled = engine.Submit(Request(model, docs[1], CrossAttentionMode.Exact, settings[1]) with
        {
            Cancellation = cancel.Token,
            OnDecided = ids =>
            {
                if (cancel.IsCancellationRequested) callsAfterCancel++;
                cancelledTokens.AddRange(ids);
                if (cancelledTokens.Count >= 3) cancel.Cancel();
            },
        });
        var other = engine.Submit(Request(model, docs[1], CrossAttentionMode.Exact, settings[2]));
        Drain(engine);

        Assert.True(cancelled.Completion.IsCanceled);
        Assert.True(cancelled.LeftAtIteration < kept.LeftAtIteration);
        Assert.Equal(0, callsAfterCancel);   // it left at the end of the iteration in which it was cancelled
        Assert.Equal(Alone(model, docs[0], CrossAttentionMode.Exact, settings[0]).SequenceIds, (await kept.Completion).SequenceIds);
        Assert.Equal(Alone(model, docs[1], CrossAttentionMode.Exact, settings[2]).SequenceIds, (await other.Completion).SequenceIds);
        Assert.Equal((2, 1, 0), (engine.Diagnostics.JobsCompleted, engine.Diagnostics.JobsCancelled, engine.Diagnostics.JobsFailed));
        foreach (var s in docs.SelectMany(d => d)) s.Dispose();
    }

    [Fact]
    public void AJobCancelledWhileWaitingNeverJoins()
    {
        using var model = NewModel();
        var doc = Document(model, 60, 133);
        using var engine = new IterationEngine();
        using var cancel = new CancellationTokenSource();
        var job = engine.Submit(Request(model, doc, CrossAttentionMode.Exact, Settings(10, 1)) with { Cancellation = cancel.Token });
        cancel.Cancel();

        Drain(engine);

        Assert.True(job.Completion.IsCanceled);
        Assert.Null(job.JoinedAtIteration);
        Assert.Equal(0, engine.Diagnostics.Iterations);
        foreach (var s in doc) s.Dispose();
    }
}
