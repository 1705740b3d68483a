using Microsoft.Extensions.Logging;

namespace Summarizer.Grains.Inference;

/// <summary>
/// The threads that answer shard grains: partial cross-attention and loading shards into this silo. They are kept
/// apart from the <see cref="InferenceWorker"/> on purpose: a decoder waiting on shard grains must never be able to
/// occupy the very threads those shard grains need, on its own silo or any other.
/// </summary>
public sealed class ShardAttentionWorker : IDisposable
{
    private readonly InferenceWorker _threads;

    /// <summary>Starts <paramref name="threads"/> shard-attention threads.</summary>
    public ShardAttentionWorker(int threads, ILogger<InferenceWorker> logger) => _threads = new InferenceWorker(threads, logger, "shard-attention");

    /// <summary>The underlying queue, for components that take an <see cref="InferenceWorker"/>.</summary>
    public InferenceWorker Queue => _threads;

    /// <summary>Shard calls answered on this silo and the passes over K/V they took.</summary>
    public BatchingCounters Batching { get; } = new();

    /// <inheritdoc />
    public void Dispose() => _threads.Dispose();
}
