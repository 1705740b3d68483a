using Microsoft.Extensions.DependencyInjection;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.Grains.KvStore;
using Summarizer.Model.KvCache;
using Summarizer.Model.Scheduling;
using Summarizer.TestSupport;
using TorchSharp;

namespace Summarizer.Grains.Tests.Summaries;

/// <summary>Jobs of the pipeline sharing the silo's inference scheduler: batched decoding, failure isolation, encoder work in between.</summary>
public sealed class BatchedJobsTests
{
    private const int LongOutput = 200, ShortOutput = 48;
    private static readonly SummaryRequestOptions Long = Forced(LongOutput), Short = Forced(ShortOutput);

    private static SummaryRequestOptions Forced(int tokens) => new() { MaxNewTokens = tokens, MinNewTokens = tokens, NoRepeatNgramSize = 0 };

    // Generous: on a crowded machine an iteration can take a second.
    private static Task<List<SummaryEvent>> EventsAsync(SummarizerCluster cluster, string jobId) =>
        cluster.EventsAsync(jobId, limit: TimeSpan.FromMinutes(10));

    private static void AssertFullText(List<SummaryEvent> events, int tokens)
    {
        var done = events[^1];
        Assert.True(done.Kind == SummaryEventKind.Done, done.Error);
        Assert.Equal(tokens, done.TokenIds.Count);
        Assert.Equal(done.TokenIds, events.Where(e => e.Kind == SummaryEventKind.Delta).SelectMany(e => e.TokenIds));
        Assert.Equal(done.Text, string.Concat(events.Where(e => e.Kind == SummaryEventKind.Delta).Select(e => e.Text)));
    }

    [Fact]
    public async Task JobsDecodingOneDocumentAtOnceShareOneStackedMemoryAndEachGetsTheTokensItGetsAlone()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1);
        var services = cluster.SiloServices.Single();
        var scheduler = services.GetRequiredService<InferenceScheduler>();
        var model = await services.GetRequiredService<ModelHost>().GetAsync();
        var text = TinyCheckpoint.Document(1500, 2500, "pep").Document;
        var alone = await EventsAsync(cluster, await cluster.Client.SubmitAsync(text, Short));
        AssertFullText(alone, ShortOutput);
        Assert.Equal(0, model.Memories.Count);

        // Three jobs on the document wait while the thread is busy, so they join one iteration; it is held there.
        using var hold = cluster.HoldSchedulers(r => r.Jobs == 3);
        using var busy = await ThreadOccupation.OccupyAsync(w => scheduler.RunAsync(w), TimeSpan.FromMinutes(6));
        var jobs = new[] { await cluster.Client.SubmitAsync(text, Short), await cluster.Client.SubmitAsync(text, Short), await cluster.Client.SubmitAsync(text, Short) };
        for (var deadline = DateTime.UtcNow.AddMinutes(5); scheduler.Diagnostics.QueuedJobs < 3; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the jobs never queued");
        await busy.ReleaseAsync();
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(1, model.Memories.Count);
        hold.Release();
        foreach (var events in await Task.WhenAll(jobs.Select(id => EventsAsync(cluster, id))))
        {
            AssertFullText(events, ShortOutput);
            Assert.Equal(alone[^1].TokenIds, events[^1].TokenIds);
        }
        // The last job to leave gave the memory back.
        Assert.Equal(0, model.Memories.Count);
    }

    [Fact]
    public async Task AJobWhoseShardsAreCorruptFailsAloneWhileTheJobsBatchedWithItFinishWithTheirFullText()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1);
        var services = cluster.SiloServices.Single();
        var scheduler = services.GetRequiredService<InferenceScheduler>();
        var cache = services.GetRequiredService<MemoryShardCache>();

        // Document A is encoded, then every shard of it in memory is replaced by one whose head size is wrong, as a
        // corrupt shard would be: its job's cross-attention throws inside the batched step.
        var corruptText = TinyCheckpoint.Document(800, 1500, "rustrfc").Document;
        var first = await cluster.Client.SubmitAsync(corruptText, new SummaryRequestOptions { MaxNewTokens = 2 });
        var encoded = await cluster.DoneAsync(first);
        var documentKey = (await cluster.Client.GetAsync(first))!.DocumentKey!;
        for (int i = 0; i < encoded.Statistics!.ShardCount; i++)
        {
            var key = ShardKey.For(documentKey, i);
            Assert.True(cache.TryAcquire(key, out var lease));
            var s = lease!.Shard;
            cache.Add(key, new KvShard(s.DocumentId, s.ModelFingerprint, s.Index, s.TokenStart, s.TokenEnd, s.DType,
                s.Layers.Select(_ => (torch.randn(s.Heads, s.ValidLength, s.HeadDim + 1), torch.randn(s.Heads, s.ValidLength, s.HeadDim + 1))).ToArray()));
            lease.Dispose();
        }

        // Two healthy jobs decode; the corrupt one joins their batch while it is held.
        using var hold = new IterationHold(r => r.Jobs == 2);
        scheduler.Iterated += hold.OnIterated;
        var healthyText = TinyCheckpoint.Document(1500, 2500, "pep").Document;
        await cluster.DoneAsync(await cluster.Client.SubmitAsync(healthyText, new SummaryRequestOptions { MaxNewTokens = 2 }));
        // Both wait while the thread is busy, so they join the same iteration. Generous waits: on a machine crowded by
        // other test clusters, a submission's grain calls and event writes have taken minutes to reach the queue.
        using var busy = await ThreadOccupation.OccupyAsync(w => scheduler.RunAsync(w), TimeSpan.FromMinutes(6));
        string[] healthy = [await cluster.Client.SubmitAsync(healthyText, Short), await cluster.Client.SubmitAsync(healthyText, Short)];
        for (var deadline = DateTime.UtcNow.AddMinutes(5); scheduler.Diagnostics.QueuedJobs < 2; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the healthy jobs never queued");
        await busy.ReleaseAsync();
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        var corrupt = await cluster.Client.SubmitAsync(corruptText, Short);
        for (var deadline = DateTime.UtcNow.AddMinutes(5); scheduler.Diagnostics.QueuedJobs == 0; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the corrupt job never queued");
        hold.Release();

        var failed = await EventsAsync(cluster, corrupt);
        Assert.Equal(SummaryEventKind.Error, failed[^1].Kind);
        Assert.Equal(SummaryStatus.Failed, (await cluster.Client.GetAsync(corrupt))!.Status);
        var healthyEvents = await Task.WhenAll(healthy.Select(id => EventsAsync(cluster, id)));
        foreach (var events in healthyEvents) AssertFullText(events, ShortOutput);
        // The corrupt job decoded in the same iterations as the healthy ones: three jobs in one step.
        Assert.Contains(hold.Reports, r => r.Jobs == 3);
        Assert.Equal(healthyEvents[0][^1].TokenIds, healthyEvents[1][^1].TokenIds);
        scheduler.Iterated -= hold.OnIterated;
    }

    [Fact]
    public async Task ALongEncodeWhileAnotherJobStreamsRunsOneEncoderItemBetweenTwoOfItsSteps()
    {
        // No budget beyond the one item every iteration runs: the streaming job waits for at most one item per step.
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o => o.EncoderBudgetPerIteration = TimeSpan.Zero);
        var scheduler = cluster.SiloServices.Single().GetRequiredService<InferenceScheduler>();
        using var hold = new IterationHold(r => r.Jobs == 1);
        scheduler.Iterated += hold.OnIterated;

        var streaming = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(2000, 3000, "kep").Document, Long);
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        // While the stream is held mid-decode, a long document arrives; its tokenizing and encoder batches queue up.
        var longDocument = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(8000, int.MaxValue, "qmsum").Document, new SummaryRequestOptions { MaxNewTokens = 2 });
        for (var deadline = DateTime.UtcNow.AddMinutes(2); scheduler.Diagnostics.QueuedWorkItems == 0; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the long document's encode never queued");
        long heldAt = hold.Reports.Last().Iteration;
        // The document grain queues the encode's items one after another, each once the one before has run; on a
        // starved thread pool that can take longer than the stream's remaining steps. So after each of the first three
        // iterations that step the stream and run an item, the thread waits (boundedly) until the next item is queued:
        // whether the scheduler then runs it beside the stream's next step is still the scheduler's doing.
        int paced = 0;
        void Pace(IterationReport r)
        {
            if (r.Jobs == 0 || r.WorkItems == 0 || paced++ >= 3) return;
            for (var deadline = DateTime.UtcNow.AddMinutes(1); scheduler.Diagnostics.QueuedWorkItems == 0 && DateTime.UtcNow < deadline;)
                Thread.Sleep(5);
        }
        scheduler.Iterated += Pace;
        hold.Release();

        AssertFullText(await EventsAsync(cluster, streaming), LongOutput);
        var encoded = await cluster.DoneAsync(longDocument);
        Assert.True(encoded.Statistics!.EncoderRuns > 8, $"only {encoded.Statistics.EncoderRuns} shards");
        scheduler.Iterated -= Pace;
        scheduler.Iterated -= hold.OnIterated;
        var during = hold.Reports.Where(r => r.Iteration > heldAt && r.Jobs >= 1).ToArray();
        // The encode went on between the stream's steps (tokenizing and several encoder batches), and never more than
        // one item between two steps: the stream kept flowing through the whole encode.
        Assert.True(during.Count(r => r.WorkItems > 0) >= 3, string.Join(", ", during.Select(r => $"{r.Jobs}j/{r.WorkItems}w")));
        Assert.All(during, r => Assert.True(r.WorkItems <= 1, $"iteration {r.Iteration} ran {r.WorkItems} items"));
    }
}
