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
