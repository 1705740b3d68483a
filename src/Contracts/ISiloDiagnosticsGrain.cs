namespace Summarizer.Contracts;

/// <summary>
/// One grain per silo, keyed by the silo's parsable address and always placed on that silo: reports what the silo
/// holds and does, for operators (<c>GET /v1/diagnostics</c>, admin keys only) and for load tests.
/// </summary>
[Alias("summarizer.ISiloDiagnosticsGrain")]
public interface ISiloDiagnosticsGrain : IGrainWithStringKey
{
    /// <summary>This silo's figures now.</summary>
    [Alias("Get")]
    Task<SiloDiagnostics> GetAsync();
}

/// <summary>What one silo holds and has done since it started.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.SiloDiagnostics")]
public sealed record SiloDiagnostics
{
    /// <summary>The silo's address.</summary>
    [Id(0)] public string Silo { get; init; } = "";

    /// <summary>Bytes of K/V held in the silo's memory cache.</summary>
    [Id(1)] public long KvBytes { get; init; }

    /// <summary>The memory cache's budget (<c>Summarizer:MemoryBudgetBytes</c>).</summary>
    [Id(2)] public long KvBudgetBytes { get; init; }

    /// <summary>Shards in the memory cache.</summary>
    [Id(3)] public int Shards { get; init; }

    /// <summary>Shards evicted to stay within the budget.</summary>
    [Id(4)] public long Evictions { get; init; }

    /// <summary>Shards read back from the durable store (Redis).</summary>
    [Id(5)] public long DurableHits { get; init; }

    /// <summary>Jobs decoding on this silo.</summary>
    [Id(6)] public int RunningJobs { get; init; }

    /// <summary>Work items and decoding jobs queued or running on the silo's inference scheduler.</summary>
    [Id(7)] public int InferenceQueue { get; init; }

    /// <summary>Jobs in the inference scheduler's batched decoder step now.</summary>
    [Id(16)] public int BatchJobs { get; init; }

    /// <summary>Their rows (a greedy job is one row, a beam-search job one per beam; at most <c>Summarizer:MaxBatchRows</c>).</summary>
    [Id(17)] public int BatchRows { get; init; }

    /// <summary>Jobs waiting for batch rows to free up (admitted in arrival order).</summary>
    [Id(18)] public int QueuedJobs { get; init; }

    /// <summary>Batched decoder iterations run since the silo started.</summary>
    [Id(19)] public long Iterations { get; init; }

    /// <summary>Time of the last iteration's decoder step (all jobs' step, search and hand-over), milliseconds.</summary>
    [Id(20)] public double LastIterationMs { get; init; }

    /// <summary>Exponentially weighted mean of that time (weight 0.1 on the newest), milliseconds.</summary>
    [Id(21)] public double MeanIterationMs { get; init; }

    /// <summary>Shard-grain calls answered, and the passes over K/V they took (fewer when batched).</summary>
    [Id(8)] public long ShardCalls { get; init; }

    /// <summary>Passes over shard K/V that answered <see cref="ShardCalls"/>.</summary>
    [Id(9)] public long ShardPasses { get; init; }

    /// <summary>Managed memory of the silo process (GC heap), bytes.</summary>
    [Id(10)] public long ManagedBytes { get; init; }

    /// <summary>Resident memory of the silo process, bytes.</summary>
    [Id(11)] public long ProcessBytes { get; init; }

    /// <summary>Memory the .NET GC has committed (its heap plus the room it keeps), bytes.</summary>
    [Id(12)] public long ManagedCommittedBytes { get; init; }

    /// <summary>C heap bytes in use (libtorch's CPU tensors among them); null where the C library does not say.</summary>
    [Id(13)] public long? NativeInUseBytes { get; init; }

    /// <summary>C heap bytes freed but still held by malloc, not yet given back to the system; null where unknown.</summary>
    [Id(14)] public long? NativeFreeBytes { get; init; }

    /// <summary>Times the silo gave the C heap's free pages back to the system (see <c>Summarizer:NativeTrimSeconds</c>).</summary>
    [Id(15)] public long NativeTrims { get; init; }
}
