using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// The jobs running on this silo, bounded by <see cref="SummarizerOptions.MaxConcurrentJobsPerSilo"/>. A summary grain
/// takes a slot when it accepts a job and gives it back when the job's run on this silo ends (completed, failed,
/// cancelled). Summary grains prefer the silo their caller is on, so an HTTP submission's job runs, and counts, on the
/// silo that accepted it. A job resumed here after losing its silo takes a slot whatever the bound: it was accepted earlier.
/// </summary>
public sealed class SiloJobSlots(IOptions<SummarizerOptions> options, Telemetry.SummarizerMetrics? metrics = null)
{
    private readonly HashSet<string> _running = new(StringComparer.Ordinal);

    /// <summary>The bound.</summary>
    public int Limit { get; } = options.Value.MaxConcurrentJobsPerSilo;

    /// <summary>Jobs holding a slot now.</summary>
    public int Count
    {
        get { lock (_running) return _running.Count; }
    }

    /// <summary>Takes a slot for <paramref name="jobId"/> unless the silo is at its bound (true if it already holds one).</summary>
    public bool TryAcquire(string jobId, out int running)
    {
        lock (_running)
        {
            running = _running.Count;
            if (_running.Contains(jobId)) return true;
            if (_running.Count >= Limit)
            {
                metrics?.Refused(Telemetry.RefusalReason.SiloBound, tenant: null); // telemetry
                return false;
            }
            _running.Add(jobId);
            return true;
        }
    }

    /// <summary>Takes a slot whatever the bound (a resumed job).</summary>
    public void Acquire(string jobId)
    {
        lock (_running) _running.Add(jobId);
    }

    /// <summary>Gives the slot back.</summary>
    public void Release(string jobId)
    {
        lock (_running) _running.Remove(jobId);
    }
}
