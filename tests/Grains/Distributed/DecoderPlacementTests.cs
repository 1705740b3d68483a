using Summarizer.Contracts;
using Summarizer.Grains.Distributed;
using Summarizer.Grains.Inference;
using Summarizer.TestSupport;
using Xunit.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace Summarizer.Grains.Tests.Distributed;

public sealed class DecoderPlacementTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SummarizerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SummarizerCluster.StartAsync(silos: 3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<(SummaryJob Job, List<SummaryEvent> Events)> RunAsync(string text, SummaryRequestOptions options)
    {
        var jobId = await _cluster.Client.SubmitAsync(text, options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var events = new List<SummaryEvent>();
        await foreach (var e in _cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token)) events.Add(e);
        Assert.True(events[^1].Kind == SummaryEventKind.Done, events[^1].Error);
        return ((await _cluster.Client.GetAsync(jobId))!, events);
    }

    [Fact]
    public async Task ADistributedJobDecodesOnTheSiloHoldingMostOfItsShards()
    {
        var text = TinyCheckpoint.Document(3000, 4500, "pep").Document;
        var (job, _) = await RunAsync(text, new SummaryRequestOptions { MaxNewTokens = 8, DecodeMode = DecodeMode.Distributed });

        var shards = await Task.WhenAll(Enumerable.Range(0, job.Statistics.ShardCount)
            .Select(i => _cluster.Cluster.Client.GetGrain<IShardGrain>(DocumentKey.Parse(job.DocumentKey).ShardKey(i)).PrepareAsync()));
        var bySilo = shards.GroupBy(s => s.Silo).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine($"shards by silo: {string.Join(", ", bySilo.Select(p => $"{p.Key}={p.Value}"))}; decoder on {job.Silo}, migrations {job.Migrations}");
        Assert.True(bySilo.Count >= 2, "the shards should be spread over the silos");
        Assert.Equal(bySilo.Values.Max(), bySilo.GetValueOrDefault(job.Silo!));
        Assert.Equal(bySilo.Values.Max() / (double)job.Statistics.ShardCount, job.Statistics.LocalShardShare, 6);
        Assert.Equal(0, job.Resumes);
    }

    [Fact]
    public async Task ALocalJobDecodesOnTheSiloWhoseMemoryHoldsItsFreshlyEncodedShards()
    {
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document;
        var (job, _) = await RunAsync(text, new SummaryRequestOptions { MaxNewTokens = 8, DecodeMode = DecodeMode.Local });

        var encoded = await _cluster.Cluster.Client.GetGrain<IDocumentGrain>(job.DocumentKey).EnsureEncodedAsync(new DocumentSource(text, null, null));
        output.WriteLine($"document on {encoded.Silo}, decoder on {job.Silo}, migrations {job.Migrations}");
        Assert.NotNull(encoded.Silo);
        // 1 means the decoder ran where the document grain (and its shards) live.
        Assert.Equal(1.0, job.Statistics.LocalShardShare);
        Assert.InRange(job.Migrations, 0, 1);
        Assert.Equal(0, job.Resumes);
    }

    [Fact]
    public async Task AJobThatMovesStreamsEveryEventOnceInOrderAndKeepsItsTokens()
    {
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 12, DecodeMode = DecodeMode.Local };
        var (first, _) = await RunAsync(text, options);
        var documentSilo = (await _cluster.Cluster.Client.GetGrain<IDocumentGrain>(first.DocumentKey).EnsureEncodedAsync(new DocumentSource(text, null, null))).Silo;

        // Submitted through another silo, the job starts there (its grain prefers the caller's silo) and then moves to
        // the silo whose memory holds the document's shards.
        var elsewhere = _cluster.Cluster.Silos.First(s => !s.SiloAddress.Equals(documentSilo));
        var client = new Summarizer.Client.SummarizerClient(elsewhere.ServiceProvider.GetRequiredService<IGrainFactory>());
        var jobId = await client.SubmitAsync(text, options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var events = new List<SummaryEvent>();
        await foreach (var e in client.StreamAsync(jobId).WithCancellation(timeout.Token)) events.Add(e);
        var job = (await client.GetAsync(jobId))!;

        Assert.Equal(1, job.Migrations);
        Assert.Equal(documentSilo!.ToString(), job.Silo);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        var done = events[^1];
        Assert.Equal(SummaryEventKind.Done, done.Kind);
        Assert.Equal(done.Text, string.Concat(events.Where(e => e.Kind == SummaryEventKind.Delta).Select(e => e.Text)));
        Assert.Equal(done.TokenIds, events.Where(e => e.Kind == SummaryEventKind.Delta).SelectMany(e => e.TokenIds));
        Assert.Equal(first.TokenIds, job.TokenIds);
        Assert.Equal(0, job.Resumes);
        Assert.Equal(0, job.Statistics.EncoderRuns); // the move re-encoded nothing
        Assert.Equal(1.0, job.Statistics.LocalShardShare);
    }

    [Fact]
    public async Task ConcurrentJobsReadingOneDocumentKeepTheTokensTheyGetAlone()
    {
        var text = TinyCheckpoint.Document(3000, 4500, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 16, DecodeMode = DecodeMode.Distributed, Beams = 2 };
        var (alone, _) = await RunAsync(text, options);

        var together = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => RunAsync(text, options)));

        foreach (var (job, _) in together) Assert.Equal(alone.TokenIds, job.TokenIds);
        long calls = _cluster.SiloServices.Sum(s => s.GetRequiredService<ShardAttentionWorker>().Batching.Requests);
        long passes = _cluster.SiloServices.Sum(s => s.GetRequiredService<ShardAttentionWorker>().Batching.Passes);
        output.WriteLine($"shard calls {calls}, passes over K/V {passes}");
        Assert.True(passes <= calls);
    }
}
