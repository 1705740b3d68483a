using Summarizer.Grains.Hosting;
using StackExchange.Redis;
using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.KvStore;

public sealed class CorruptBlobTests
{
    [Fact]
    public async Task ACorruptShardBlobInRedisIsDetectedByItsChecksumAndReencoded()
    {
        await using var redis = await RedisServer.StartAsync();
        var serviceId = "corrupt-" + Guid.NewGuid().ToString("N")[..8];
        void Configure(Grains.Hosting.SummarizerOptions o)
        {
            o.KvStore = StoreKind.Redis;
            o.GrainStorage = StoreKind.Redis;
            o.RedisConnectionString = redis.ConnectionString;
        }
        var text = TinyCheckpoint.Document(1000, 1500, "rustrfc").Document;
        var options = new SummaryRequestOptions { MaxNewTokens = 8 };

        SummaryEvent first;
        await using (var a = await SummarizerCluster.StartAsync(silos: 1, Configure, serviceId))
        {
            var job = await a.Client.SubmitAsync(text, options);
            SummaryEvent? last = null;
            await foreach (var e in a.Client.StreamAsync(job)) last = e;
            first = last!;
        }

        // Flip one byte in the payload of every block 0 of shard 1 (any shard would do).
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var server = connection.GetServer(connection.GetEndPoints()[0]);
            var key = server.Keys(pattern: $"{serviceId}:kv:*:1:b0").Single();
            var db = connection.GetDatabase();
            var bytes = (byte[])(await db.StringGetAsync(key))!;
            bytes[^1] ^= 0x5A;
            await db.StringSetAsync(key, bytes);
        }

        await using var b = await SummarizerCluster.StartAsync(silos: 1, Configure, serviceId);
        var again = await b.Client.SubmitAsync(text, options);
        SummaryEvent? done = null;
        await foreach (var e in b.Client.StreamAsync(again)) done = e;

        Assert.Equal(SummaryEventKind.Done, done!.Kind);
        Assert.Equal(first.TokenIds, done.TokenIds);
        Assert.Equal(1, done.Statistics!.EncoderRuns); // only the corrupt shard was encoded again
    }
}
