using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Summarizer.Grains.Diagnostics;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Summaries;

namespace Summarizer.Grains.Hosting;

/// <summary>
/// Gives memory the silo no longer uses back to the system, so its resident size follows what it holds. Measured under
/// load, libtorch's C heap stayed at the same size in use while glibc kept ever more freed bytes (tensors of every size
/// freed on many threads fragment its arenas, and an arena gives back only what is free at its top), and the server
/// GC kept its committed memory after a burst. So: malloc arenas are capped (<see cref="SummarizerOptions.MallocArenas"/>,
/// set when the silo is built, before the inference threads exist) and large blocks get pages of their own
/// (<see cref="SummarizerOptions.MallocMmapThresholdBytes"/>); every <see cref="SummarizerOptions.NativeTrimSeconds"/>
/// the C heap's free pages are returned (<c>malloc_trim</c>) once more than 16 MiB are held free; and when the silo has
/// been idle for one such period after work, a compacting collection returns the GC's spare memory too.
/// </summary>
public sealed class MemoryReclaimer(Microsoft.Extensions.Options.IOptions<SummarizerOptions> settings, SiloJobSlots jobs, InferenceScheduler inference, ILogger<MemoryReclaimer> logger)
    : BackgroundService
{
    /// <summary>Free C-heap bytes below which a trim is not worth its pause.</summary>
    public const long TrimAboveFreeBytes = 16L << 20;

    private long _trims;

    /// <summary>Trims done so far.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>Caps malloc's arenas and fixes its mmap threshold; called once while the silo is built, before its threads allocate.</summary>
    public static void ConfigureMalloc(SummarizerOptions options)
    {
        if (options.MallocArenas > 0) NativeHeap.LimitArenas(options.MallocArenas);
        if (options.MallocMmapThresholdBytes > 0) NativeHeap.FixMmapThreshold(options.MallocMmapThresholdBytes);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = settings.Value;
        if (options.NativeTrimSeconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.NativeTrimSeconds));
        bool workedSinceCompaction = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                bool idle = jobs.Count == 0 && inference.Pending == 0;
                if (!idle) workedSinceCompaction = true;
                else if (workedSinceCompaction)
                {
                    // Idle after work: nothing is lost by compacting now, and the GC returns what it kept for the burst.
                    GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                    workedSinceCompaction = false;
                }
                if (NativeHeap.Read() is { FreeBytes: >= TrimAboveFreeBytes } heap)
                {
                    NativeHeap.Trim();
                    Interlocked.Increment(ref _trims);
                    logger.LogDebug("Returned the C heap's free pages ({Free} bytes free, {InUse} in use).", heap.FreeBytes, heap.InUseBytes);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }
}
