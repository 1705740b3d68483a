using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

public sealed class SummaryGrainTests : IAsyncLifetime
{
    private SummarizerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SummarizerCluster.StartAsync(silos: 2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task StreamedSummaryEqualsWhatTheModelCoreGeneratesInProcess()
    {
        var text = TinyCheckpoint.Document(2500, 4000, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 24, Beams = 2 };

        var jobId = await _cluster.Client.SubmitAsync(text, options);
        var events = await _cluster.EventsAsync(jobId);

        using var model = SummarizationModel.Load(TinyCheckpoint.Directory);
        var ids = model.TokenizeContent(DocumentKeys.Normalize(text));
        var shards = model.EncodeDocument("reference", ids, new ShardingOptions(128, 31));
        var expected = model.Generate(shards, new SummaryOptions { MaxNewTokens = 24, NumBeams = 2 });
        foreach (var s in shards) s.Dispose();

        var done = Assert.Single(events, e => e.Kind == SummaryEventKind.Done);
        Assert.Equal(expected.GeneratedIds, done.TokenIds);
        Assert.Equal(model.Tokenizer.Decode(expected.GeneratedIds), done.Text);
        Assert.Equal(done.Text, string.Concat(events.Where(e => e.Kind == SummaryEventKind.Delta).Select(e => e.Text)));
        Assert.Equal(done.TokenIds, events.Where(e => e.Kind == SummaryEventKind.Delta).SelectMany(e => e.TokenIds));
        Assert.Equal(shards.Count, done.Statistics!.ShardCount);
        Assert.Equal(shards.Count, done.Statistics.EncoderRuns);
        Assert.Contains(events, e => e.Kind == SummaryEventKind.Progress && e.ShardsDone == e.ShardsTotal && e.ShardsTotal == shards.Count);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var job = await _cluster.Client.GetAsync(jobId);
        Assert.Equal(SummaryStatus.Completed, job!.Status);
        Assert.Equal(done.Text, job.Text);
    }

    [Fact]
    public async Task FiveConcurrentSubmissionsOfOneDocumentEncodeItOnce()
    {
        var text = TinyCheckpoint.Document(1500, 2500, "rustrfc").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 8 };

        var jobs = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _cluster.Client.SubmitAsync(text, options)));
        var results = await Task.WhenAll(jobs.Select(j => _cluster.EventsAsync(j)));

        var dones = results.Select(r => r.Single(e => e.Kind == SummaryEventKind.Done)).ToArray();
        int shards = dones[0].Statistics!.ShardCount;
        Assert.All(dones, d => Assert.Equal(dones[0].TokenIds, d.TokenIds));
        Assert.Equal(shards, dones.Sum(d => d.Statistics!.EncoderRuns));
        long siloEncoderRuns = 0;
        foreach (var services in _cluster.SiloServices)
        {
            var host = (ModelHost)services.GetService(typeof(ModelHost))!;
            if (host.IsLoaded) siloEncoderRuns += (await host.GetAsync()).Encoder.EncoderRuns;
        }
        Assert.Equal(shards, siloEncoderRuns);
    }

    [Fact]
    public async Task LateSubscriberReceivesTheWholeSummary()
    {
        var text = TinyCheckpoint.Document(1000, 1500).Document;
        var jobId = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 12 });
        var live = await _cluster.EventsAsync(jobId);

        var late = await _cluster.EventsAsync(jobId);
        var resumed = await _cluster.EventsAsync(jobId, afterSequence: 2);

        static string Show(SummaryEvent e) => $"{e.Sequence}:{e.Kind}:{e.Text}:{string.Join(",", e.TokenIds)}:{e.ShardsDone}/{e.ShardsTotal}";
        Assert.Equal(live.Select(Show), late.Select(Show));
        Assert.Equal(live.Skip(2).Select(Show), resumed.Select(Show));
        Assert.Equal(late.Single(e => e.Kind == SummaryEventKind.Done).Text,
            string.Concat(late.Where(e => e.Kind == SummaryEventKind.Delta).Select(e => e.Text)));
    }

    [Fact]
    public async Task CancellationStopsGeneration()
    {
        var text = TinyCheckpoint.Document(1000, 1500).Document;
        // The job's silo is held four steps in until the cancel is in, so the cancel lands mid-decode: the tiny checkpoint
        // decodes all 250 tokens in well under a second, and unheld the job could finish first. Greedy, so each step
        // decides one token, published as one delta.
        int steps = 0;
        using var hold = _cluster.HoldSchedulers(r => r.Jobs > 0 && Interlocked.Increment(ref steps) >= 4);
        var cancelInvoked = _cluster.Calls.NextAsync<ISummaryGrain>(nameof(ISummaryGrain.CancelAsync));
        var jobId = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 250, MinNewTokens = 250, NoRepeatNgramSize = 0, Beams = 1 });

        var events = new List<SummaryEvent>();
        Task<SummaryJob?>? cancelling = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await foreach (var e in _cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token))
        {
            events.Add(e);
            if (cancelling is null && events.Count(x => x.Kind == SummaryEventKind.Delta) == 3)
            {
                await hold.Reached.WaitAsync(timeout.Token);
                // The grain cancels the run as the call is invoked, then waits for the run to end, which takes the
                // scheduler: it is released once the cancel is in.
                cancelling = _cluster.Client.CancelAsync(jobId);
                await cancelInvoked.WaitAsync(timeout.Token);
                hold.Release();
            }
        }
        Assert.NotNull(cancelling);
        await cancelling;

        var job = await _cluster.Client.GetAsync(jobId);
        Assert.Equal(SummaryStatus.Cancelled, job!.Status);
        Assert.Equal(SummaryEventKind.Error, events[^1].Kind);
        Assert.InRange(job.TokenIds.Count, 3, 249);
    }

    [Fact]
    public async Task InvalidOptionsAreRejectedNamingTheOption()
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            _cluster.Client.SubmitAsync("Some text.", new SummaryRequestOptions { Beams = 0 }));
        Assert.Contains("beams", error.Message);
        var topK = await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            _cluster.Client.SubmitAsync("Some text.", new SummaryRequestOptions { TopKShards = 0 }));
        Assert.Contains("topKShards", topK.Message);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => _cluster.Client.SubmitAsync("   \n "));
    }

    [Fact]
    public async Task UnknownJobHasNoSnapshot()
    {
        Assert.Null(await _cluster.Client.GetAsync("no-such-job"));
        Assert.Null(await _cluster.Client.CancelAsync("no-such-job"));
    }
}
