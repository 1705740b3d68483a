using Summarizer.Contracts;
using Summarizer.Grains.Documents;
using Summarizer.Grains.Summaries;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

/// <summary>
/// Finished jobs' and documents' activations are collected within minutes (so a silo's memory does not grow with the
/// jobs it has served); these tests force that collection and prove nothing a client can see depends on them.
/// </summary>
public sealed class ActivationCollectionTests : IAsyncLifetime
{
    private SummarizerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SummarizerCluster.StartAsync(silos: 1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IManagementGrain Management => _cluster.Cluster.Client.GetGrain<IManagementGrain>(0);

    private async Task<int> ActivationsAsync<TGrain>() =>
        (await Management.GetSimpleGrainStatistics()).Where(s => s.GrainType.Contains(typeof(TGrain).Name, StringComparison.Ordinal)).Sum(s => s.ActivationCount);

    [Fact]
    public async Task CollectedFinishedJobsStillServeTheirSummaryAndTheirDocumentIsNotEncodedAgain()
    {
        var text = TinyCheckpoint.Document(1500, 2500, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 12 };
        var first = await _cluster.Client.SubmitAsync(text, options);
        var streamed = await _cluster.EventsAsync(first);
        Assert.Equal(SummaryEventKind.Done, streamed[^1].Kind);
        Assert.True(await ActivationsAsync<SummaryGrain>() > 0);

        await Management.ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(0, await ActivationsAsync<SummaryGrain>());
        Assert.Equal(0, await ActivationsAsync<DocumentGrain>());
        var job = await _cluster.Client.GetAsync(first);
        Assert.Equal(SummaryStatus.Completed, job!.Status);
        Assert.Equal(streamed[^1].Text, job.Text);
        var replayed = await _cluster.EventsAsync(first);
        Assert.Equal(streamed.Select(e => (e.Sequence, e.Kind, e.Text)), replayed.Select(e => (e.Sequence, e.Kind, e.Text)));

        var again = await _cluster.DoneAsync(await _cluster.Client.SubmitAsync(text, options));
        Assert.Equal(0, again.Statistics!.EncoderRuns);
        Assert.Equal(streamed[^1].TokenIds, again.TokenIds);
    }

    [Fact]
    public async Task ARunningJobIsNotCollectedWhileItDecodes()
    {
        var text = TinyCheckpoint.Document(1000, 1500, "rustrfc").Document;
        int steps = 0;
        using var hold = _cluster.HoldSchedulers(r => r.Jobs > 0 && ++steps >= 4);
        var jobId = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 40, MinNewTokens = 40, NoRepeatNgramSize = 0 });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await hold.Reached.WaitAsync(timeout.Token);

        await Management.ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(1, await ActivationsAsync<SummaryGrain>());
        hold.Release();

        var done = await _cluster.DoneAsync(jobId);
        Assert.Equal(40, done.TokenIds.Count);
        Assert.Equal(0, (await _cluster.Client.GetAsync(jobId))!.Resumes);
    }
}
