using System.Diagnostics;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.Grains.KvStore;
using Summarizer.Grains.Placement;
using Summarizer.Grains.Summaries;

namespace Summarizer.Grains.Diagnostics;

/// <summary>Reads this silo's counters: K/V memory against its budget, evictions, running jobs, queues, the decoding batch, batching of shard calls.</summary>
[SiloKeyedPlacement]
public sealed class SiloDiagnosticsGrain(ShardRepository shards, SiloJobSlots jobs, InferenceScheduler inference, ShardAttentionWorker shardAttention,
    Hosting.MemoryReclaimer reclaimer)
    : Grain, ISiloDiagnosticsGrain
{
    /// <summary>The key of the diagnostics grain of <paramref name="silo"/>.</summary>
    public static string KeyOf(SiloAddress silo) => SiloKeyedPlacement.KeyOf(silo);

    /// <inheritdoc />
    public Task<SiloDiagnostics> GetAsync()
    {
        var memory = shards.Memory;
        using var process = Process.GetCurrentProcess();
        var native = NativeHeap.Read();
        var batch = inference.Diagnostics;
        return Task.FromResult(new SiloDiagnostics
        {
            Silo = this.GetPrimaryKeyString(),
            KvBytes = memory.Bytes,
            KvBudgetBytes = memory.ByteBudget,
            Shards = memory.Count,
            Evictions = memory.Evictions,
            DurableHits = shards.DurableHits,
            RunningJobs = jobs.Count,
            InferenceQueue = inference.Pending,
            BatchJobs = batch.RunningJobs,
            BatchRows = batch.RunningRows,
            QueuedJobs = batch.QueuedJobs,
            Iterations = batch.Iterations,
            LastIterationMs = batch.LastIterationMs,
            MeanIterationMs = batch.MeanIterationMs,
            ShardCalls = shardAttention.Batching.Requests,
            ShardPasses = shardAttention.Batching.Passes,
            ManagedBytes = GC.GetTotalMemory(false),
            ProcessBytes = process.WorkingSet64,
            ManagedCommittedBytes = GC.GetGCMemoryInfo().TotalCommittedBytes,
            NativeInUseBytes = native?.InUseBytes,
            NativeFreeBytes = native?.FreeBytes,
            NativeTrims = reclaimer.Trims,
        });
    }
}
