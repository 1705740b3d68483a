using Microsoft.Extensions.Logging;
using Summarizer.Contracts;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// Admission: a job's two concurrency slots, this silo's (<see cref="SiloJobSlots"/>) and its tenant's cluster-wide one
/// (<see cref="IJobAdmissionGrain"/>). Taken when the job is accepted (or, whatever the bounds, when an accepted job
/// resumes or moves here) and given back exactly once for each time they were taken: the silo's when the job's run
/// here ends, the tenant's too when the job is finished (or was never recorded).
/// </summary>
internal sealed class JobSlots(string jobId, SiloJobSlots silo, IGrainFactory grains, TimeSpan outageLimit, ILogger logger)
{
    private int _held;

    /// <summary>
    /// Takes both slots for a new job, or answers the bound that refused it (nothing taken). Silo loss is waited out;
    /// an unreachable admission store is not (the caller answers "unavailable" at once).
    /// </summary>
    public async Task<JobLimitRefusal?> TryTakeAsync(string tenant, int retryAfterSeconds)
    {
        if (!silo.TryAcquire(jobId, out int onSilo)) return new JobLimitRefusal(JobLimitRefusal.PerSilo, silo.Limit, onSilo, retryAfterSeconds);
        JobAdmission admitted;
        try
        {
            admitted = await RetryPolicy.CallAsync(() => Admission(tenant).TryAdmitAsync(jobId), logger: logger, what: "Admission", outageLimit: outageLimit, storageOutages: false);
        }
        catch
        {
            silo.Release(jobId);
            throw;
        }
        if (admitted.Admitted)
        {
            Interlocked.Exchange(ref _held, 1);
            return null;
        }
        silo.Release(jobId);
        return new JobLimitRefusal(JobLimitRefusal.PerTenant, admitted.Limit, admitted.Running, retryAfterSeconds);
    }

    /// <summary>An accepted job resumes or arrives here: it counts against this silo whatever the bound.</summary>
    public void TakeSilo()
    {
        silo.Acquire(jobId);
        Interlocked.Exchange(ref _held, 1);
    }

    /// <summary>A resumed job re-registers with its tenant's bound (that record may have been lost with its silo).</summary>
    public async Task HoldTenantAsync(string tenant)
    {
        try { await RetryPolicy.CallAsync(() => Admission(tenant).HoldAsync(jobId), logger: logger, what: "Admission", outageLimit: outageLimit); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Resumed job {Job} could not re-register with its tenant's bound: {Reason}", jobId, RetryPolicy.Describe(e));
        }
    }

    /// <summary>
    /// Gives back this silo's slot, and the tenant's when <paramref name="finished"/> (an unfinished job goes on
    /// elsewhere and keeps it). Only the first call after taking them does anything.
    /// </summary>
    public async Task ReleaseAsync(string tenant, bool finished)
    {
        if (Interlocked.Exchange(ref _held, 0) == 0) return;
        silo.Release(jobId);
        if (!finished) return;
        try { await RetryPolicy.CallAsync(() => Admission(tenant).ReleaseAsync(jobId), logger: logger, what: "Admission", outageLimit: outageLimit); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The admission grain frees it when the tenant next reaches its bound (it asks this finished job).
            logger.LogWarning("Job {Job} could not give back its tenant slot: {Reason}", jobId, RetryPolicy.Describe(e));
        }
    }

    private IJobAdmissionGrain Admission(string tenant) => grains.GetGrain<IJobAdmissionGrain>(tenant);
}
