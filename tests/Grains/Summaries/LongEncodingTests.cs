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

    private async Task<SummaryEvent> DoneAsync(string jobId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        SummaryEvent? last = null;
        await foreach (var e in _cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token)) last = e;
        Assert.True(last!.Kind == SummaryEventKind.Done, last.Error);
        return last;
    }

    [Fact]
    public async Task EncodingThatOutlastsTheGrainCallTimeoutStillCompletesTheJobCountingItsEncoderRuns()
    {
        // The model is loaded first (loading also runs on the inference thread), so only the encode is held up.
        await DoneAsync(await _cluster.Client.SubmitAsync("A short warm-up document about nothing in particular.", new SummaryRequestOptions { MaxNewTokens = 2 }));
        // Hold the silo's inference thread, so the document grain's encode (and the job's call waiting on it) takes
        // several response timeouts, as a long document on a CPU silo does.
        var worker = _cluster.SiloServices.Single().GetRequiredService<InferenceWorker>();
        using var gate = new ManualResetEventSlim();
        var held = worker.RunAsync(_ => gate.Wait(TimeSpan.FromMinutes(2)));
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document + "\n\nEncoded slowly.";

        var jobId = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 6 });
        await Task.Delay(ResponseTimeout * 3.5);
        gate.Set();
        await held;

        var stats = (await DoneAsync(jobId)).Statistics!;
        Assert.True(stats.EncodeMs > 3 * ResponseTimeout.TotalMilliseconds, $"encoding took {stats.EncodeMs} ms");
        Assert.Equal(stats.ShardCount, stats.EncoderRuns);
    }
}
