using System.Buffers.Binary;
using StackExchange.Redis;

namespace Summarizer.Grains.KvStore;

/// <summary>
/// Shard blobs in Redis. Keys are namespaced <c>{serviceId}:kv:{modelFingerprint}:{tenant}:{contentHash}:{index}</c>.
/// A blob is split into blocks of at most <see cref="BlockBytes"/> (no single huge value to stall Redis or the
/// network); the blocks are written first and the small meta value (length and block count) last, inside one
/// MULTI/EXEC per shard, so a reader sees a shard whole or not at all. Reads and writes of many shards are pipelined.
/// </summary>
public sealed class RedisShardBlobStore : IShardBlobStore
{
    private readonly IConnectionMultiplexer _redis;
    private readonly string _serviceId;
    private readonly TimeSpan? _ttl;

    /// <summary>Creates a store over <paramref name="redis"/>.</summary>
    public RedisShardBlobStore(IConnectionMultiplexer redis, string serviceId, int blockBytes = 4 << 20, TimeSpan? timeToLive = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockBytes, 1024);
        _redis = redis;
        _serviceId = serviceId;
        BlockBytes = blockBytes;
        _ttl = timeToLive;
    }

    /// <summary>Largest block a blob is split into.</summary>
    public int BlockBytes { get; }

    /// <summary>The Redis key prefix of a shard.</summary>
    public string KeyOf(ShardKey key) => $"{_serviceId}:kv:{key.Document.ModelFingerprint}:{key.Document.Tenant}:{key.Document.ContentHash}:{key.Index}";

    /// <inheritdoc />
    public async Task PutAsync(IReadOnlyList<(ShardKey Key, byte[] Blob)> shards, CancellationToken cancellationToken = default)
    {
        var db = _redis.GetDatabase();
        var writes = new List<Task>();
        foreach (var (key, blob) in shards)
        {
            string prefix = KeyOf(key);
            int blocks = (int)((blob.LongLength + BlockBytes - 1) / BlockBytes);
            var tx = db.CreateTransaction();
            for (int b = 0; b < blocks; b++)
            {
                int offset = b * BlockBytes;
                var block = blob.AsMemory(offset, Math.Min(BlockBytes, blob.Length - offset));
                writes.Add(tx.StringSetAsync($"{prefix}:b{b}", block, _ttl, When.Always));
            }
            writes.Add(tx.StringSetAsync(prefix + ":meta", Meta(blob.LongLength, blocks), _ttl, When.Always));
            writes.Add(tx.ExecuteAsync());
        }
        await Task.WhenAll(writes).WaitAsync(cancellationToken);
    }

    /// <inheritdoc />
    public async Task<byte[]?[]> GetAsync(IReadOnlyList<ShardKey> keys, CancellationToken cancellationToken = default)
    {
        var db = _redis.GetDatabase();
        var metas = await Task.WhenAll(keys.Select(k => db.StringGetAsync(KeyOf(k) + ":meta"))).WaitAsync(cancellationToken);
        var reads = new Task<RedisValue>[keys.Count][];
        for (int i = 0; i < keys.Count; i++)
        {
            if (metas[i].IsNull) continue;
            var (_, blocks) = ParseMeta(metas[i]);
            string prefix = KeyOf(keys[i]);
            reads[i] = Enumerable.Range(0, blocks).Select(b => db.StringGetAsync($"{prefix}:b{b}")).ToArray();
        }
        await Task.WhenAll(reads.Where(r => r is not null).SelectMany(r => r)).WaitAsync(cancellationToken);

        var result = new byte[]?[keys.Count];
        for (int i = 0; i < keys.Count; i++)
        {
            if (reads[i] is null) continue;
            var (length, _) = ParseMeta(metas[i]);
            if (reads[i].Any(r => r.Result.IsNull)) continue; // a block expired or was evicted: the shard is gone
            var blob = new byte[length];
            long offset = 0;
            foreach (var r in reads[i])
            {
                ReadOnlyMemory<byte> block = r.Result;
                if (offset + block.Length > length) { offset = -1; break; }
                block.Span.CopyTo(blob.AsSpan((int)offset));
                offset += block.Length;
            }
            if (offset == length) result[i] = blob;
        }
        return result;
    }

    /// <inheritdoc />
    public async Task<bool[]> ExistsAsync(IReadOnlyList<ShardKey> keys, CancellationToken cancellationToken = default)
    {
        var db = _redis.GetDatabase();
        return await Task.WhenAll(keys.Select(k => db.KeyExistsAsync(KeyOf(k) + ":meta"))).WaitAsync(cancellationToken);
    }

    private static byte[] Meta(long length, int blocks)
    {
        var meta = new byte[12];
        BinaryPrimitives.WriteInt64LittleEndian(meta, length);
        BinaryPrimitives.WriteInt32LittleEndian(meta.AsSpan(8), blocks);
        return meta;
    }

    private static (long Length, int Blocks) ParseMeta(RedisValue value)
    {
        ReadOnlySpan<byte> meta = ((ReadOnlyMemory<byte>)value).Span;
        if (meta.Length != 12) throw new InvalidDataException("Shard meta value in Redis is malformed.");
        return (BinaryPrimitives.ReadInt64LittleEndian(meta), BinaryPrimitives.ReadInt32LittleEndian(meta[8..]));
    }
}
