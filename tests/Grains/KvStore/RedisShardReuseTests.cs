using Summarizer.Grains.Hosting;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.KvStore;

public sealed class RedisShardReuseTests
{
    private static async Task<SummaryEvent> DoneAsync(SummarizerCluster cluster, string text, SummaryRequestOptions options)
    {
        var jobId = await cluster.Client.SubmitAsync(text, options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        SummaryEvent? last = null;
        await foreach (var e in cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token)) last = e;
        Assert.Equal(SummaryEventKind.Done, last!.Kind);
        return last;
    }

    private static async Task<long> SiloEncoderRunsAsync(SummarizerCluster cluster)
    {
        long runs = 0;
        foreach (var services in cluster.SiloServices)
        {
            var host = (ModelHost)services.GetService(typeof(ModelHost))!;
            if (host.IsLoaded) runs += (await host.GetAsync()).Encoder.EncoderRuns;
        }
        return runs;
    }

    [Theory]
    [InlineData("kv")]
    [InlineData("hidden")]
    public async Task ASecondClusterReusesShardsFromRedisWithoutRunningTheEncoder(string format)
    {
        await using var redis = await RedisServer.StartAsync();
        var serviceId = "reuse-" + Guid.NewGuid().ToString("N")[..8];
        void Configure(Grains.Hosting.SummarizerOptions o)
        {
            o.KvStore = StoreKind.Redis;
            o.GrainStorage = StoreKind.Redis;
            o.RedisConnectionString = redis.ConnectionString;
            o.ShardFormat = Enum.Parse<ShardFormat>(format, ignoreCase: true);
        }
        var text = TinyCheckpoint.Document(1500, 2500, "kep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 10, Beams = 2 };

        SummaryEvent first;
        await using (var clusterA = await SummarizerCluster.StartAsync(silos: 1, Configure, serviceId))
        {
            first = await DoneAsync(clusterA, text, options);
            Assert.Equal(first.Statistics!.ShardCount, first.Statistics.EncoderRuns);
        }

        await using var clusterB = await SummarizerCluster.StartAsync(silos: 2, Configure, serviceId);
        var second = await DoneAsync(clusterB, text, options);

        Assert.Equal(0, second.Statistics!.EncoderRuns);
        Assert.Equal(0, await SiloEncoderRunsAsync(clusterB));
        Assert.Equal(first.TokenIds, second.TokenIds);
        Assert.Equal(first.Text, second.Text);
    }
}

public sealed class ShardFormatTests
{
    [Fact]
    public async Task KvAndHiddenFormatsGiveIdenticalSummariesAndHiddenBlobsAreSmaller()
    {
        await using var redis = await RedisServer.StartAsync();
        var text = TinyCheckpoint.Document(1000, 1500, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 12, Beams = 3 };
        var results = new Dictionary<string, (SummaryEvent Done, long Bytes)>();
        foreach (var format in new[] { "kv", "hidden" })
        {
            await using var cluster = await SummarizerCluster.StartAsync(silos: 2, o =>
            {
                o.KvStore = StoreKind.Redis;
                o.RedisConnectionString = redis.ConnectionString;
                o.ShardFormat = Enum.Parse<ShardFormat>(format, ignoreCase: true);
            }, serviceId: "format-" + format);
            var jobId = await cluster.Client.SubmitAsync(text, options);
            SummaryEvent? last = null;
            await foreach (var e in cluster.Client.StreamAsync(jobId)) last = e;
            var job = await cluster.Client.GetAsync(jobId);
            var manifest = await cluster.Cluster.Client.GetGrain<IDocumentGrain>(job!.DocumentKey).GetManifestAsync();
            results[format] = (last!, manifest.TotalBytes);
        }

        Assert.Equal(SummaryEventKind.Done, results["kv"].Done.Kind);
        Assert.Equal(results["kv"].Done.TokenIds, results["hidden"].Done.TokenIds);
        // The tiny model has 2 decoder layers: K/V is 2 × 2 = 4 times the hidden rows (headers aside).
        Assert.InRange((double)results["kv"].Bytes / results["hidden"].Bytes, 3.5, 4.0);
    }
}
