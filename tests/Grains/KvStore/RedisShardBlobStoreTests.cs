using Summarizer.Contracts;
using StackExchange.Redis;
using Summarizer.Grains.KvStore;
using Summarizer.TestSupport;

namespace Summarizer.Grains.Tests.KvStore;

public sealed class RedisShardBlobStoreTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static byte[] Blob(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task BlobsRoundTripSplitIntoBlocksUnderNamespacedKeys()
    {
        var store = new RedisShardBlobStore(_connection, "svc-a", blockBytes: 1024);
        var keys = Enumerable.Range(0, 3).Select(i => new ShardKey(new DocumentKey("tenant1", "abc123", "fp9"), i)).ToArray();
        var blobs = new[] { Blob(10_000, 1), Blob(1024, 2), Blob(17, 3) };

        await store.PutAsync(keys.Zip(blobs).ToArray());
        var back = await store.GetAsync(keys);

        for (int i = 0; i < 3; i++) Assert.Equal(blobs[i], back[i]);
        var server = _connection.GetServer(_connection.GetEndPoints()[0]);
        var stored = server.Keys(pattern: "svc-a:kv:fp9:tenant1:abc123:0:*").Select(k => (string)k!).ToArray();
        Assert.Equal(11, stored.Length); // ten 1 KiB blocks and the meta value
        Assert.All(stored, k => Assert.True(_connection.GetDatabase().StringLength(k) <= 1024));
    }

    [Fact]
    public async Task MissingShardsReadAsNullAndDoNotExist()
    {
        var store = new RedisShardBlobStore(_connection, "svc-b");
        var present = new ShardKey(new DocumentKey("t", "h", "f"), 0);
        await store.PutAsync([(present, Blob(100, 4))]);

        var result = await store.GetAsync([present, present with { Index = 1 }, present with { Document = present.Document with { Tenant = "other" } }]);

        Assert.NotNull(result[0]);
        Assert.Null(result[1]);
        Assert.Null(result[2]);
        Assert.Equal(new[] { true, false }, await store.ExistsAsync([present, present with { Index = 1 }]));
    }

    [Fact]
    public async Task ShardMissingABlockReadsAsMissingRatherThanTruncated()
    {
        var store = new RedisShardBlobStore(_connection, "svc-c", blockBytes: 1024);
        var key = new ShardKey(new DocumentKey("t", "h", "f"), 0);
        await store.PutAsync([(key, Blob(5000, 5))]);
        await _connection.GetDatabase().KeyDeleteAsync(store.KeyOf(key) + ":b2");

        Assert.Null((await store.GetAsync([key]))[0]);
    }

    [Fact]
    public async Task ConfiguredTimeToLiveIsSetOnEveryKey()
    {
        var store = new RedisShardBlobStore(_connection, "svc-d", blockBytes: 1024, timeToLive: TimeSpan.FromMinutes(10));
        var key = new ShardKey(new DocumentKey("t", "h", "f"), 0);
        await store.PutAsync([(key, Blob(3000, 6))]);

        var db = _connection.GetDatabase();
        foreach (var suffix in new[] { ":meta", ":b0", ":b2" })
        {
            var ttl = await db.KeyTimeToLiveAsync(store.KeyOf(key) + suffix);
            Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        }
    }
}
