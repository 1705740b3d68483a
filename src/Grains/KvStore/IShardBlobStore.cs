namespace Summarizer.Grains.KvStore;

/// <summary>
/// A durable, shared store of serialized shards (see <c>KvShardSerializer</c>): what lets another silo, or this one
/// after a restart, reuse a document's shards without running the encoder. Redis is the implementation.
/// </summary>
public interface IShardBlobStore
{
    /// <summary>Stores the blobs of several shards in one pipelined round of writes; a shard is visible only once whole.</summary>
    Task PutAsync(IReadOnlyList<(ShardKey Key, byte[] Blob)> shards, CancellationToken cancellationToken = default);

    /// <summary>Reads several shards in one pipelined round; a missing shard is null.</summary>
    Task<byte[]?[]> GetAsync(IReadOnlyList<ShardKey> keys, CancellationToken cancellationToken = default);

    /// <summary>Which of <paramref name="keys"/> are stored, without transferring them.</summary>
    Task<bool[]> ExistsAsync(IReadOnlyList<ShardKey> keys, CancellationToken cancellationToken = default);
}
