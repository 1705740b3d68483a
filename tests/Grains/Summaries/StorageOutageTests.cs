using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Summaries.Events;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

/// <summary>Redis going away while a job streams, with grain state, job events and K/V all in a real redis-server.</summary>
public sealed class StorageOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task WhileRedisIsDownAStreamingJobPublishesNothingItCouldNotStoreAndCompletesOnceRedisIsBack()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o =>
        {
            o.GrainStorage = StoreKind.Redis;
            o.KvStore = StoreKind.Redis;
            o.RedisConnectionString = redis.ConnectionString;
        }, serviceId: "outage-" + Guid.NewGuid().ToString("N")[..8]);
        var text = TinyCheckpoint.Document(600, 900, "pep").Document;
        // The scheduler is held four steps into the job until Redis is down, so the job is known to be mid-stream then:
        // the tiny checkpoint decodes all 80 tokens in milliseconds, and unheld the job could finish first. Greedy, so
        // each step decides one token, published as one delta.
        int steps = 0;
        using var hold = cluster.HoldSchedulers(r => r.Jobs > 0 && ++steps >= 4);
        var jobId = await cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 80, MinNewTokens = 80, NoRepeatNgramSize = 0, Beams = 1 });
        var streamed = new ConcurrentQueue<SummaryEvent>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var reading = Task.Run(async () =>
        {
            await foreach (var e in cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token)) streamed.Enqueue(e);
        });
        await hold.Reached.WaitAsync(timeout.Token);
        while (streamed.Count(e => e.Kind == SummaryEventKind.Delta) < 3) await Task.Delay(20, timeout.Token);

        output.WriteLine($"stopping Redis at {clock.Elapsed}");
        await redis.StopAsync();
        // Nothing can be stored now, so nothing may be published: the job's log stands still and it is not failed,
        // though the scheduler, released, goes on decoding it.
        var atStop = (await cluster.Client.GetAsync(jobId))!;
        hold.Release();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var beforeRestart = (await cluster.Client.GetAsync(jobId))!;
        Assert.Equal(atStop.LastSequence, beforeRestart.LastSequence);
        Assert.Equal(SummaryStatus.Decoding, beforeRestart.Status);
        await redis.StartAgainAsync();
        output.WriteLine($"Redis back at {clock.Elapsed}");
        await reading;
        output.WriteLine($"stream ended at {clock.Elapsed}");

        var events = streamed.ToList();
        var done = events[^1];
        Assert.True(done.Kind == SummaryEventKind.Done, done.Error);
        Assert.Equal(80, done.TokenIds.Count);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(done.Text, string.Concat(events.Where(e => e.Kind == SummaryEventKind.Delta).Select(e => e.Text)));
        var job = (await cluster.Client.GetAsync(jobId))!;
        Assert.Equal(SummaryStatus.Completed, job.Status);
        Assert.Equal(done.Text, job.Text);
        // Every event a watcher was shown is the one stored under its number, and nothing else is stored.
        var stored = await cluster.SiloServices.Single().GetRequiredService<IJobEventStore>().ReadAsync(jobId, 0);
        static string Show(SummaryEvent e) => $"{e.Sequence}|{e.Kind}|{e.Text}|{string.Join(",", e.TokenIds)}|{e.Error}";
        Assert.Equal(events.Select(Show), stored.Select(Show));
    }
}
