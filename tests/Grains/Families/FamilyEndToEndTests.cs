using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Families;

/// <summary>Every model family through the grains: memory and Redis stores, both shard formats, local and distributed decoding, streaming.</summary>
public sealed class FamilyEndToEndTests
{
    public static readonly TheoryData<string> Families = new() { "tiny", "t5-tiny", "flan-t5-tiny", "pegasus-tiny", "mbart-tiny" };

    private static async Task<(SummaryEvent Done, string Streamed)> RunAsync(SummarizerCluster cluster, string text, SummaryRequestOptions options)
    {
        var jobId = await cluster.Client.SubmitAsync(text, options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var streamed = new System.Text.StringBuilder();
        SummaryEvent? last = null;
        await foreach (var e in cluster.Client.StreamAsync(jobId).WithCancellation(timeout.Token))
        {
            if (e.Kind == SummaryEventKind.Delta) streamed.Append(e.Text);
            last = e;
        }
        Assert.True(last!.Kind == SummaryEventKind.Done, last.Error);
        return (last, streamed.ToString());
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task LocalAndDistributedDecodingOverMemoryShardsGiveTheSameStreamedSummary(string family)
    {
        await using var cluster = await SummarizerCluster.StartAsync(silos: 2, modelDirectory: FamilyCheckpoints.Directory(family));
        var text = TinyCheckpoint.Document(1500, 2500, "kep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 10, Beams = 2 };

        var (local, localStream) = await RunAsync(cluster, text, options with { DecodeMode = DecodeMode.Local });
        var (distributed, _) = await RunAsync(cluster, text, options with { DecodeMode = DecodeMode.Distributed, TopKShards = null });
        var (sparse, _) = await RunAsync(cluster, text, options with { DecodeMode = DecodeMode.Distributed, TopKShards = local.Statistics!.ShardCount });

        Assert.True(local.Statistics!.ShardCount > 3);
        Assert.Equal(local.TokenIds, distributed.TokenIds);
        Assert.Equal(local.TokenIds, sparse.TokenIds);
        Assert.Equal(local.Text, localStream);
        Assert.Equal(0, distributed.Statistics!.EncoderRuns);
    }

    [Theory]
    [InlineData("t5-tiny", "hidden")]
    [InlineData("flan-t5-tiny", "kv")]
    [InlineData("pegasus-tiny", "hidden")]
    [InlineData("mbart-tiny", "kv")]
    [InlineData("mbart-tiny", "hidden")]
    public async Task ShardsInRedisServeASecondClusterWithoutTheEncoderInEitherFormat(string family, string format)
    {
        await using var redis = await RedisServer.StartAsync();
        var serviceId = "family-" + Guid.NewGuid().ToString("N")[..8];
        void Configure(Summarizer.Grains.Hosting.SummarizerOptions o)
        {
            o.KvStore = Summarizer.Grains.Hosting.StoreKind.Redis;
            o.GrainStorage = Summarizer.Grains.Hosting.StoreKind.Redis;
            o.RedisConnectionString = redis.ConnectionString;
            o.ShardFormat = Enum.Parse<ShardFormat>(format, ignoreCase: true);
        }
        var dir = FamilyCheckpoints.Directory(family);
        var text = TinyCheckpoint.Document(1500, 2500, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 8 };

        SummaryEvent first;
        await using (var a = await SummarizerCluster.StartAsync(silos: 1, Configure, serviceId, modelDirectory: dir))
            first = (await RunAsync(a, text, options)).Done;
        await using var b = await SummarizerCluster.StartAsync(silos: 2, Configure, serviceId, modelDirectory: dir);
        var second = (await RunAsync(b, text, options)).Done;

        Assert.Equal(first.Statistics!.ShardCount, first.Statistics.EncoderRuns);
        Assert.Equal(0, second.Statistics!.EncoderRuns);
        Assert.Equal(first.TokenIds, second.TokenIds);
        Assert.Equal(first.Text, second.Text);
    }
}
