using Summarizer.Contracts;
using Summarizer.Grains.KvStore;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.KvStore;

public sealed class EvictionTests
{
    private static async Task<SummaryEvent> DoneAsync(SummarizerCluster cluster, string text, SummaryRequestOptions options)
    {
        var jobId = await cluster.Client.SubmitAsync(text, options);
        SummaryEvent? last = null;
        await foreach (var e in cluster.Client.StreamAsync(jobId)) last = e;
        return last!;
    }

    [Fact]
    public async Task ShardsEvictedWithNoDurableStoreAreReEncodedCountedAndTheSummaryIsUnchanged()
    {
        var text = TinyCheckpoint.Document(1500, 2500, "pep").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 10 };
        SummaryEvent reference;
        await using (var roomy = await SummarizerCluster.StartAsync(silos: 1))
            reference = await DoneAsync(roomy, text, options);
        int shards = reference.Statistics!.ShardCount;
        long shardBytes = 2L * 2 * 128 * 64 * 4; // upper bound of one tiny shard at F32: 2 layers × (K,V) × 128 rows × 64

        // A budget of about three shards: encoding the document evicts most of it before decoding starts.
        await using var tight = await SummarizerCluster.StartAsync(silos: 1, o => o.MemoryBudgetBytes = 3 * shardBytes);
        var done = await DoneAsync(tight, text, options);

        Assert.Equal(SummaryEventKind.Done, done.Kind);
        Assert.Equal(reference.TokenIds, done.TokenIds);
        Assert.True(done.Statistics!.EncoderRuns > shards, $"expected re-encoding beyond the first {shards} runs, got {done.Statistics.EncoderRuns}");
        var cache = (MemoryShardCache)tight.SiloServices.Single().GetService(typeof(MemoryShardCache))!;
        Assert.True(cache.Evictions > 0);
        Assert.True(cache.Bytes <= cache.ByteBudget);
    }
}
