using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Summarizer.Grains.Inference;
using Summarizer.Model.Attention;
using Summarizer.Model.Documents;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Scheduling;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Inference;

/// <summary>The silo's inference thread owner, driven the way the summary and document grains use it.</summary>
public sealed class InferenceSchedulerTests : IAsyncLifetime
{
    private SummarizationModel _model = null!;
    private IReadOnlyList<KvShard> _shards = null!;

    public async Task InitializeAsync()
    {
        _model = SummarizationModel.Load(TinyCheckpoint.Directory);
        using var scheduler = NewScheduler();
        // A document whose jobs below have no near ties (NearTies; each test checks it).
        var text = TinyCheckpoint.Document(2_000, 4_000, source: "rustrfc").Document;
        // Tokenizing and encoding are work items on the scheduler, as the document grain submits them.
        var ids = await scheduler.RunAsync(_ => _model.TokenizeContent(text));
        _shards = await scheduler.RunAsync(_ => _model.EncodeDocument("doc", ids, new ShardingOptions(128, 16)));
    }

    public Task DisposeAsync()
    {
        foreach (var s in _shards) s.Dispose();
        _model.Dispose();
        return Task.CompletedTask;
    }

    private static InferenceScheduler NewScheduler(SchedulerSettings? settings = null) =>
        new(settings ?? new SchedulerSettings(), NullLogger<InferenceScheduler>.Instance);

    /// <summary>Exact token comparisons only on inputs without near ties (<see cref="NearTies"/>).</summary>
    private async Task RequireNoNearTiesAsync(InferenceScheduler scheduler, params SummaryOptions[] options)
    {
        foreach (var o in options)
        {
            float gap = await scheduler.RunAsync(_ =>
            {
                using var memory = new ShardedCrossAttention(_shards, o.CrossAttention);
                return NearTies.SmallestGap(_model.Network, memory, _model.ResolveSettings(o));
            });
            Assert.True(gap > NearTies.Margin, $"near tie ({gap:G3}) for {o}");
        }
    }

    private Func<ICrossAttentionMemory> Memory(CrossAttentionMode mode) => () => new ShardedCrossAttention(_shards, mode);

    [Fact]
    public async Task JobsSubmittedFromManyThreadsAtOnceShareBatchesAndEachGetsTheTokensItGetsAlone()
    {
        var options = new[]
        {
            new SummaryOptions { MaxNewTokens = 30, MinNewTokens = 30 },
            new SummaryOptions { MaxNewTokens = 20, MinNewTokens = 20, NumBeams = 3 },
            new SummaryOptions { MaxNewTokens = 25, MinNewTokens = 25, CrossAttention = CrossAttentionMode.Sparse(2) },
            new SummaryOptions { MaxNewTokens = 24, MinNewTokens = 24, NumBeams = 2 },
        };
        using var scheduler = NewScheduler();
        await RequireNoNearTiesAsync(scheduler, options);
        var alone = await scheduler.RunAsync(_ => options.Select(o => _model.Generate(_shards, o)).ToArray());
        int widest = 0;
        scheduler.Iterated += r => widest = Math.Max(widest, r.Jobs);
        var streamed = options.Select(_ => new List<int>()).ToArray();

        // The jobs are submitted while the thread is busy, and it goes on only once all of them wait: submitted
        // unheld, from threads a loaded machine starts late, one could finish before the next arrives.
        using var busy = await ThreadOccupation.OccupyAsync(w => scheduler.RunAsync(w), TimeSpan.FromMinutes(2));
        var running = options.Select((o, i) => Task.Run(() =>
            scheduler.GenerateAsync(_model, Memory(o.CrossAttention), o, [], streamed[i].AddRange))).ToArray();
        for (var deadline = DateTime.UtcNow.AddMinutes(1); scheduler.Diagnostics.QueuedJobs < options.Length; await Task.Delay(10))
            Assert.True(DateTime.UtcNow < deadline, $"only {scheduler.Diagnostics.QueuedJobs} of {options.Length} jobs queued");
        await busy.ReleaseAsync();
        var results = await Task.WhenAll(running);

        for (int i = 0; i < options.Length; i++)
        {
            Assert.Equal(alone[i].SequenceIds, results[i].SequenceIds);
            Assert.Equal(results[i].GeneratedIds, streamed[i]);
        }
        // All of them waiting, they all joined at one boundary (their 7 rows fit the default 32).
        Assert.True(widest == options.Length, $"at most {widest} job(s) were ever batched together");
        Assert.Equal(4, scheduler.Diagnostics.JobsCompleted);
    }

    [Fact]
    public async Task AResumedJobContinuesAfterItsPublishedTokensWithoutDecodingThemAgain()
    {
        var options = new SummaryOptions { MaxNewTokens = 30, MinNewTokens = 30 };
        using var scheduler = NewScheduler();
        await RequireNoNearTiesAsync(scheduler, options);
        var full = await scheduler.RunAsync(_ => _model.Generate(_shards, options));
        var heard = new List<int>();

        var resumed = await scheduler.GenerateAsync(_model, Memory(CrossAttentionMode.Exact), options, full.GeneratedIds.Take(10).ToArray(), heard.AddRange);
        // The one-job path (distributed jobs, beside the batch) resumes the same way.
        var resumedAlone = await scheduler.RunAsync(_ => _model.Generate(_shards, options, published: full.GeneratedIds.Take(10).ToArray()));

        Assert.Equal(full.SequenceIds, resumed.SequenceIds);
        Assert.Equal(full.GeneratedIds.Skip(10), heard);
        Assert.Equal(30 - 10, resumed.DecoderSteps);
        Assert.Equal(full.SequenceIds, resumedAlone.SequenceIds);
        Assert.Equal(30 - 10, resumedAlone.DecoderSteps);
    }

    [Fact]
    public async Task WorkItemsRunOnTheSchedulersOwnThreadNeverTheCallers()
    {
        using var scheduler = NewScheduler();

        var name = await scheduler.RunAsync(_ => Thread.CurrentThread.Name);

        Assert.Equal("inference-scheduler", name);
    }

    [Fact]
    public async Task AJobThatFailsOrHasInvalidOptionsFailsAloneAndTheSchedulerGoesOnServing()
    {
        using var scheduler = NewScheduler();
        var options = new SummaryOptions { MaxNewTokens = 12 };

        var broken = scheduler.GenerateAsync(_model, () => throw new InvalidDataException("shard 4 is corrupt"), options, [], null);
        var invalid = scheduler.GenerateAsync(_model, Memory(CrossAttentionMode.Exact), new SummaryOptions { MaxNewTokens = 100_000 }, [], null);
        var healthy = scheduler.GenerateAsync(_model, Memory(CrossAttentionMode.Exact), options, [], null);

        await Assert.ThrowsAsync<InvalidDataException>(() => broken);
        Assert.Equal("maxNewTokens", (await Assert.ThrowsAsync<ArgumentException>(() => invalid)).ParamName);
        Assert.Equal(await scheduler.RunAsync(_ => _model.Generate(_shards, options).SequenceIds), (await healthy).SequenceIds);
    }

    [Fact]
    public async Task DiagnosticsShowBatchRowsQueuedJobsAndIterationTimes()
    {
        using var scheduler = NewScheduler(new SchedulerSettings { MaxBatchRows = 3 });
        var reports = new List<IterationReport>();
        scheduler.Iterated += r => { lock (reports) reports.Add(r); };
        var options = new SummaryOptions { MaxNewTokens = 10, MinNewTokens = 10, NumBeams = 2 };

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => scheduler.GenerateAsync(_model, Memory(CrossAttentionMode.Exact), options, [], null)));

        var d = scheduler.Diagnostics;
        Assert.True(reports.Where(r => r.Jobs > 0).All(r => r.Rows <= 3));
        Assert.Contains(reports, r => r.QueuedJobs > 0);
        Assert.Equal((0, 0, 0, 3), (d.RunningJobs, d.RunningRows, d.QueuedJobs, (int)d.JobsCompleted));
        Assert.True(d.Iterations >= 30);
        Assert.True(d.LastIterationMs > 0 && d.MeanIterationMs > 0);
        Assert.Equal(0, scheduler.Pending);
    }

    [Fact]
    public async Task StoppingTheSchedulerEndsTheJobsAndWorkItStillHolds()
    {
        var scheduler = NewScheduler();
        using var gate = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var blocking = scheduler.RunAsync(_ =>
        {
            started.Set();
            return gate.Wait(TimeSpan.FromSeconds(30));
        });
        // The job and the item are queued only once the thread is inside the blocking item: queued earlier, the same
        // iteration could admit the job and run the item after the blocking one, before the stop is seen.
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        var job = scheduler.GenerateAsync(_model, Memory(CrossAttentionMode.Exact), new SummaryOptions { MaxNewTokens = 10 }, [], null);
        var work = scheduler.RunAsync(_ => 1);

        var stopping = Task.Run(scheduler.Dispose);
        // Dispose asks the thread to stop before it joins it; the blocking item returns only once it has asked, or the
        // thread would run one more iteration (the job's first step and the queued item) first.
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !scheduler.IsStopping; await Task.Delay(5))
            Assert.True(DateTime.UtcNow < deadline, "Dispose never asked the thread to stop");
        gate.Set();
        await stopping;

        Assert.True(await blocking);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => job);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => work);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => scheduler.RunAsync(_ => 1));
    }

    [Fact]
    public async Task TheSiloRegistersOneSchedulerWithTheConfiguredBatchRowsAndEncoderBudget()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Summarizer:MaxBatchRows"] = "7",
            ["Summarizer:EncoderBudgetPerIteration"] = "00:00:00.020",
        }).Build();
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, configuration: configuration);

        var scheduler = cluster.SiloServices.Single().GetRequiredService<InferenceScheduler>();

        Assert.Equal(7, scheduler.Settings.MaxBatchRows);
        Assert.Equal(TimeSpan.FromMilliseconds(20), scheduler.Settings.EncoderBudgetPerIteration);
    }
}
