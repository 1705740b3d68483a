using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Summaries;

public sealed class LongEncodingTests : IAsyncLifetime
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(1);
    private SummarizerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SummarizerCluster.StartAsync(silos: 1,
        configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:Messaging:ResponseTimeout"] = ResponseTimeout.ToString(),
        }).Build());

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private Task<SummaryEvent> DoneAsync(string jobId) => _cluster.DoneAsync(jobId);

    /// <summary>
    /// Waits until the job's encode has queued its first work item behind the occupied inference thread, then
    /// <paramref name="delay"/> more. The job's encode time (EncodeMs, up to its decode start) starts before the document
    /// grain queues that item and cannot end before the item runs, so it is <paramref name="delay"/> at least, however
    /// late the submission reached the grains. Nothing else queues work on the silo meanwhile (the jobs before have ended).
    /// </summary>
    internal static async Task DelayEncodeAsync(InferenceScheduler scheduler, TimeSpan delay)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(2); scheduler.Diagnostics.QueuedWorkItems == 0; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the encode never queued its work");
        await Task.Delay(delay);
    }

    [Fact]
    public async Task EncodingThatOutlastsTheGrainCallTimeoutStillCompletesTheJobCountingItsEncoderRuns()
    {
        // The model is loaded first (loading also runs on the inference thread), so only the encode is held up.
        await DoneAsync(await _cluster.Client.SubmitAsync("A short warm-up document about nothing in particular.", new SummaryRequestOptions { MaxNewTokens = 2 }));
        // Hold the silo's inference thread, so the document grain's encode (and the job's call waiting on it) takes
        // several response timeouts, as a long document on a CPU silo does.
        var worker = _cluster.SiloServices.Single().GetRequiredService<InferenceScheduler>();
        using var busy = await ThreadOccupation.OccupyAsync(w => worker.RunAsync(w), TimeSpan.FromMinutes(2));
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document + "\n\nEncoded slowly.";

        var jobId = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 6 });
        await DelayEncodeAsync(worker, ResponseTimeout * 3.5);
        await busy.ReleaseAsync();

        var stats = (await DoneAsync(jobId)).Statistics!;
        Assert.True(stats.EncodeMs > 3 * ResponseTimeout.TotalMilliseconds, $"encoding took {stats.EncodeMs} ms");
        Assert.Equal(stats.ShardCount, stats.EncoderRuns);
    }
}

public sealed class LongRepairTests
{
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task ReEncodingEvictedShardsThatOutlastsTheGrainCallTimeoutStillCompletesTheJob()
    {
        long shardBytes = 2L * 2 * 128 * 64 * 4; // upper bound of one tiny shard at F32
        await using var cluster = await SummarizerCluster.StartAsync(silos: 1, o => o.MemoryBudgetBytes = 3 * shardBytes,
            configuration: new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orleans:Messaging:ResponseTimeout"] = ResponseTimeout.ToString(),
            }).Build());
        var text = TinyCheckpoint.Document(1500, 2500, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 6 };
        // The first job encodes the document; its K/V budget of three shards keeps only the last few in memory.
        var first = await cluster.DoneAsync(await cluster.Client.SubmitAsync(text, options));

        // The next job finds most shards evicted everywhere and has them re-encoded, while the inference thread is held
        // for several grain-call timeouts, as many evicted shards on a busy CPU silo would take.
        var worker = cluster.SiloServices.Single().GetRequiredService<InferenceScheduler>();
        using var busy = await ThreadOccupation.OccupyAsync(w => worker.RunAsync(w), TimeSpan.FromMinutes(2));
        var jobId = await cluster.Client.SubmitAsync(text, options);
        await LongEncodingTests.DelayEncodeAsync(worker, ResponseTimeout * 3.5);
        await busy.ReleaseAsync();

        var again = await cluster.DoneAsync(jobId);
        Assert.Equal(first.TokenIds, again.TokenIds);
        Assert.True(again.Statistics!.EncoderRuns > 0, "no shard was re-encoded");
        Assert.True(again.Statistics.EncodeMs > 3 * ResponseTimeout.TotalMilliseconds, $"shards were ready after {again.Statistics.EncodeMs} ms");
    }
}
