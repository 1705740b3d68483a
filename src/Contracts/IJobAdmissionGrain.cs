namespace Summarizer.Contracts;

/// <summary>
/// One grain per tenant (key: the tenant) holding the ids of the tenant's running jobs, so the bound on concurrent
/// jobs per tenant holds across every silo and gateway. A job takes a slot when it is accepted and gives it back when
/// it completes, fails or is cancelled. A slot whose job was lost is found when the tenant is at its bound: the grain
/// then asks each held job whether it still runs (which resumes a job whose silo died) and frees the others.
/// </summary>
[Alias("summarizer.IJobAdmissionGrain")]
public interface IJobAdmissionGrain : IGrainWithStringKey
{
    /// <summary>Takes a slot for <paramref name="jobId"/> unless the tenant is at its bound (idempotent per job).</summary>
    [Alias("TryAdmit")]
    Task<JobAdmission> TryAdmitAsync(string jobId);

    /// <summary>Takes a slot whatever the bound: a job accepted earlier that resumes after losing its silo.</summary>
    [Alias("Hold")]
    Task HoldAsync(string jobId);

    /// <summary>Gives the job's slot back (no effect if it holds none).</summary>
    [Alias("Release")]
    Task ReleaseAsync(string jobId);

    /// <summary>The ids of the jobs holding slots.</summary>
    [Alias("GetRunning")]
    Task<IReadOnlyList<string>> GetRunningAsync();
}
