using Summarizer.Contracts;
using Summarizer.Grains.Distributed;
using Summarizer.Model.Attention;
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
    [InlineData(4, null)]
    [InlineData(1, 2)]
    [InlineData(4, 3)]
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
    public async Task EachStepCallsEverySiloHoldingShardsOncePerLayerNotEveryShard()
    {
        var text = TinyCheckpoint.Document(3000, 4500, "pep").Document;
        var done = await DoneAsync(text, new SummaryRequestOptions { MaxNewTokens = 8, DecodeMode = DecodeMode.Distributed });

        var stats = done.Statistics!;
        Assert.True(stats.ShardSilos >= 2, $"shards were held by {stats.ShardSilos} silo(s)");
        Assert.True(stats.ShardCount > stats.ShardSilos, $"{stats.ShardCount} shards on {stats.ShardSilos} silos cannot tell silos from shards");
        // Exact mode: one call per silo per decoder layer (the tiny model has 2) per step.
        Assert.Equal(2.0 * stats.ShardSilos, stats.RoundTripsPerToken, 3);
        Assert.True(stats.BytesPerToken > 0);
        Assert.InRange(stats.CrossAttentionShare, 0.0, 1.0);
    }

    [Fact]
    public async Task AGroupCallAnswersForShardsHeldElsewhereThroughTheirOwnGrainsWithTheSamePartial()
    {
        var text = TinyCheckpoint.Document(3000, 4500, "kep").Document;
        var id = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 2, DecodeMode = DecodeMode.Distributed });
        var done = await _cluster.DoneAsync(id);
        var document = DocumentKey.Parse((await _cluster.Client.GetAsync(id))!.DocumentKey!);
        var grains = Enumerable.Range(0, done.Statistics!.ShardCount).Select(i => _cluster.Cluster.Client.GetGrain<IShardGrain>(document.ShardKey(i))).ToArray();
        var held = await Task.WhenAll(grains.Select(g => g.PrepareAsync()));
        Assert.True(held.Select(h => h.Silo).Distinct().Count() >= 2, "every shard is on one silo");

        // Shard 0's grain is asked for every shard, most held on other silos, as a grouping made before a move would ask.
        var queries = new QueryBatch(2, 4, 1, 16, Enumerable.Range(0, 2 * 4 * 16).Select(i => MathF.Sin(i) * 0.3f).ToArray());
        int[] all = Enumerable.Range(0, grains.Length).ToArray();
        bool[] hidden = all.Select(s => s % 2 == 1).Concat(all.Select(_ => false)).ToArray();   // row 0 skips odd shards
        var grouped = await grains[0].AttendGroupAsync(1, new ShardGroupQuery(all, queries, hidden));

        var perShard = await Task.WhenAll(grains.Select(g => g.AttendAsync(1, queries)));
        var expected = RemotePartials.MergeGroup(perShard.Select(ShardPartials.ToPartial).ToArray(), new GroupRows(ShardPartials.ToRows(queries), hidden));
        Assert.Equal(expected.Output.Length, grouped.Output.Length);
        for (int i = 0; i < expected.Output.Length; i++) Assert.Equal(expected.Output[i], grouped.Output[i], 5);
        for (int i = 0; i < expected.LogSumExp.Length; i++) Assert.Equal(expected.LogSumExp[i], grouped.LogSumExp[i], 5);
    }

    [Fact]
    public async Task AGroupCallNamingShardsOtherThanItsOwnIsRefused()
    {
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document;
        var id = await _cluster.Client.SubmitAsync(text, new SummaryRequestOptions { MaxNewTokens = 2, DecodeMode = DecodeMode.Distributed });
        await _cluster.DoneAsync(id);
        var document = DocumentKey.Parse((await _cluster.Client.GetAsync(id))!.DocumentKey!);
        var grain = _cluster.Cluster.Client.GetGrain<IShardGrain>(document.ShardKey(0));
        var queries = new QueryBatch(1, 4, 1, 16, new float[64]);

        await Assert.ThrowsAsync<ArgumentException>(() => grain.AttendGroupAsync(0, new ShardGroupQuery([1, 2], queries, null)));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.AttendGroupAsync(0, new ShardGroupQuery([0, 0], queries, null)));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.AttendGroupAsync(0, new ShardGroupQuery([0, 1], queries, [true])));
    }
}
