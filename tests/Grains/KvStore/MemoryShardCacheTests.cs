using Microsoft.Extensions.Logging.Abstractions;
using Summarizer.Grains.KvStore;
using Summarizer.Model.KvCache;
using TorchSharp;

namespace Summarizer.Grains.Tests.KvStore;

public sealed class MemoryShardCacheTests
{
    private static KvShard Shard(int index) =>
        new("doc", "fp", index, 0, 10, KvDType.F32, [(torch.zeros(2, 10, 4).DetachFromDisposeScope(), torch.zeros(2, 10, 4).DetachFromDisposeScope())]);

    private static ShardKey Key(int index) => new(new Summarizer.Contracts.DocumentKey("t", "h", "fp"), index);

    [Fact]
    public void LeastRecentlyUsedShardsAreEvictedToStayWithinTheBudget()
    {
        long shardBytes = Shard(0).PayloadBytes; // 2 × 2 × 10 × 4 × 4 = 640
        using var cache = new MemoryShardCache(shardBytes * 3, NullLogger<MemoryShardCache>.Instance);
        for (int i = 0; i < 3; i++) cache.Add(Key(i), Shard(i));
        Assert.True(cache.TryAcquire(Key(0), out var touched)); // 0 becomes most recent; 1 is now least recent
        touched!.Dispose();

        cache.Add(Key(3), Shard(3));

        Assert.False(cache.Contains(Key(1)));
        Assert.True(cache.Contains(Key(0)) && cache.Contains(Key(2)) && cache.Contains(Key(3)));
        Assert.Equal(1, cache.Evictions);
        Assert.True(cache.Bytes <= cache.ByteBudget);
    }

    [Fact]
    public void AnEvictedShardStaysUsableUntilItsLeaseIsReleased()
    {
        var shard = Shard(0);
        using var cache = new MemoryShardCache(shard.PayloadBytes, NullLogger<MemoryShardCache>.Instance);
        var lease = cache.AddAndAcquire(Key(0), shard);

        cache.Add(Key(1), Shard(1)); // evicts shard 0 while it is leased

        Assert.False(cache.Contains(Key(0)));
        Assert.Equal(0f, lease.Shard.Layers[0].Keys.sum().item<float>()); // tensors still alive
        lease.Dispose();
        Assert.Throws<InvalidOperationException>(() => lease.Shard.Layers[0].Keys.sum());
    }
}
