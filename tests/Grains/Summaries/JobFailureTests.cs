using Summarizer.Grains.Hosting;
using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

public sealed class JobFailureTests
{
    private static async Task<SummaryEvent> LastEventAsync(SummarizerCluster cluster, string jobId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        SummaryEvent? last = null;
        await foreach (var e in cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token)) last = e;
        return last!;
    }

    [Fact]
    public async Task DocumentOverTheTokenLimitFailsTheJobNamingTheLimit()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o => o.MaxDocumentTokens = 100);

        var jobId = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(1000, 1500).Document);
        var last = await LastEventAsync(cluster, jobId);

        Assert.Equal(SummaryEventKind.Error, last.Kind);
        Assert.Contains("limit is 100 tokens", last.Error);
        Assert.Equal(SummaryStatus.Failed, (await cluster.Client.GetAsync(jobId))!.Status);
    }

    [Fact]
    public async Task MissingModelFailsTheJobWithTheReason()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o => o.ModelDirectory = "/nonexistent/model");

        var jobId = await cluster.Client.SubmitAsync("A short document about nothing in particular.");
        var last = await LastEventAsync(cluster, jobId);

        Assert.Equal(SummaryEventKind.Error, last.Kind);
        Assert.Contains("/nonexistent/model", last.Error);
    }
}

public sealed class PositionLimitTests
{
    [Fact]
    public async Task MoreNewTokensThanTheDecoderCanPositionFailsTheJobNamingTheOption()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1);

        var jobId = await cluster.Client.SubmitAsync("A short document about positions.", new SummaryRequestOptions { MaxNewTokens = 300 });
        SummaryEvent? last = null;
        await foreach (var e in cluster.Client.StreamAsync(jobId)) last = e;

        Assert.Equal(SummaryEventKind.Error, last!.Kind);
        Assert.Contains("maxNewTokens", last.Error);
    }
}

public sealed class StoreUnavailableTests
{
    [Fact]
    public async Task UnreachableRedisFailsTheJobWithTheReasonOnceTheOutageLimitIsSpentInsteadOfHanging()
    {
        int deadPort = RedisServer.FreePort(); // nothing listens here
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o =>
        {
            o.KvStore = StoreKind.Redis;
            o.RedisConnectionString = $"127.0.0.1:{deadPort},abortConnect=false,connectTimeout=500,asyncTimeout=1500,syncTimeout=1500";
            // An outage is waited out this long before the job fails (two minutes by default).
            o.OutageLimit = TimeSpan.FromSeconds(3);
        });

        var jobId = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(800, 1200).Document, new SummaryRequestOptions { MaxNewTokens = 5 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        SummaryEvent? last = null;
        await foreach (var e in cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token)) last = e;

        Assert.Equal(SummaryEventKind.Error, last!.Kind);
        Assert.Contains("Encoding failed", last.Error);
        Assert.Contains("K/V store (Redis) is unreachable", last.Error);
        // The reason names the store, not where it is nor what was being written.
        Assert.DoesNotContain(deadPort.ToString(), last.Error);
        Assert.DoesNotContain(":kv:", last.Error);
        Assert.Equal(SummaryStatus.Failed, (await cluster.Client.GetAsync(jobId))!.Status);
    }
}

public sealed class DeactivationTests
{
    [Fact]
    public async Task StatusResultAndEventsSurviveDeactivation()
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1);
        var jobId = await cluster.Client.SubmitAsync(TinyCheckpoint.Document(800, 1200).Document, new SummaryRequestOptions { MaxNewTokens = 8 });
        var before = new List<SummaryEvent>();
        await foreach (var e in cluster.Client.StreamAsync(jobId)) before.Add(e);

        var grain = cluster.Cluster.Client.GetGrain<ISummaryGrain>(jobId);
        await cluster.Cluster.DeactivateAsync(grain);
        var job = await cluster.Client.GetAsync(jobId);
        var after = new List<SummaryEvent>();
        await foreach (var e in cluster.Client.StreamAsync(jobId)) after.Add(e);

        Assert.Equal(SummaryStatus.Completed, job!.Status);
        Assert.Equal(before[^1].Text, job.Text);
        Assert.Equal(before.Select(e => (e.Sequence, e.Kind, e.Text)), after.Select(e => (e.Sequence, e.Kind, e.Text)));
    }
}
