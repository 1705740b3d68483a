using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.Distributed;

public sealed class DistributedDecodingTests : IAsyncLifetime
{
    private SummarizerCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await SummarizerCluster.StartAsync(silos: 3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private async Task<SummaryEvent> DoneAsync(string text, SummaryRequestOptions options) =>
        await _cluster.DoneAsync(await _cluster.Client.SubmitAsync(text, options));

    [Theory]
    [InlineData(1, null)]
    [InlineData(3, null)]
    [InlineData(2, 3)]
    public async Task DistributedModeGivesTheTokensOfLocalMode(int beams, int? topK)
    {
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 16, Beams = beams, TopKShards = topK };

        var local = await DoneAsync(text, options with { DecodeMode = DecodeMode.Local });
        var distributed = await DoneAsync(text, options with { DecodeMode = DecodeMode.Distributed });

        Assert.Equal(local.TokenIds, distributed.TokenIds);
        Assert.Equal(DecodeMode.Local, local.Statistics!.DecodeMode);
        Assert.Equal(DecodeMode.Distributed, distributed.Statistics!.DecodeMode);
        Assert.Equal(0, distributed.Statistics.EncoderRuns); // the shards were encoded once, for the local run
    }

    [Fact]
    public async Task ShardGrainsSpreadOverSilosAndPerStepCostsAreReported()
    {
        var text = TinyCheckpoint.Document(3000, 4500, "pep").Document;
        var done = await DoneAsync(text, new SummaryRequestOptions { MaxNewTokens = 8, DecodeMode = DecodeMode.Distributed });

        var stats = done.Statistics!;
        Assert.True(stats.ShardSilos >= 2, $"shards were held by {stats.ShardSilos} silo(s)");
        // Exact mode: one call per shard per decoder layer (the tiny model has 2) per step.
        Assert.Equal(2.0 * stats.ShardCount, stats.RoundTripsPerToken, 3);
        Assert.True(stats.BytesPerToken > 0);
        Assert.InRange(stats.CrossAttentionShare, 0.0, 1.0);
    }
}
