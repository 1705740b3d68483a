using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;

namespace Summarizer.Grains.Summaries;

/// <summary>What a tenant's admission grain persists: the ids of the tenant's running jobs.</summary>
[GenerateSerializer, Alias("summarizer.JobAdmissionState")]
public sealed class JobAdmissionState
{
    /// <summary>Jobs holding a slot.</summary>
    [Id(0)] public HashSet<string> Running { get; set; } = [];
}

/// <summary>
/// The cluster-wide bound on a tenant's concurrent jobs (<see cref="SummarizerOptions.MaxConcurrentJobsPerTenant"/>).
/// Not reentrant: admissions of one tenant are decided one at a time. The set of running jobs is persisted with the
/// jobs' own state, so it survives the loss of this grain's silo; a refused admission writes nothing. Slots are
/// given back by the jobs as they end; when the tenant is at its bound the grain first asks every held job whether it
/// still runs, so a slot whose job ended without giving it back (its silo died at the wrong moment, a release that
/// could not be written) is freed instead of leaking. Asking activates an unfinished job, which resumes it; a job
/// that does not answer in time keeps its slot.
/// </summary>
public sealed class JobAdmissionGrain : Grain, IJobAdmissionGrain
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(10);

    private readonly IPersistentState<JobAdmissionState> _state;
    private readonly SummarizerOptions _options;
    private readonly ILogger<JobAdmissionGrain> _logger;
    private readonly Telemetry.SummarizerMetrics _metrics;

    /// <summary>Created by Orleans.</summary>
    public JobAdmissionGrain([PersistentState("admission", StorageNames.Summarizer)] IPersistentState<JobAdmissionState> state,
        IOptions<SummarizerOptions> options, ILogger<JobAdmissionGrain> logger, Telemetry.SummarizerMetrics metrics)
    {
        _metrics = metrics;
        _state = state;
        _options = options.Value;
        _logger = logger;
    }

    private HashSet<string> Running => _state.State.Running;

    /// <inheritdoc />
    public async Task<JobAdmission> TryAdmitAsync(string jobId)
    {
        int limit = _options.MaxConcurrentJobsPerTenant;
        if (Running.Contains(jobId)) return new JobAdmission(true, Running.Count, limit);
        if (Running.Count >= limit) await FreeEndedJobsAsync();
        if (Running.Count >= limit)
        {
            _metrics.Refused(Telemetry.RefusalReason.TenantBound, this.GetPrimaryKeyString()); // telemetry
            return new JobAdmission(false, Running.Count, limit);
        }
        await ChangeAsync(s => s.Add(jobId));
        return new JobAdmission(true, Running.Count, limit);
    }

    /// <inheritdoc />
    public async Task HoldAsync(string jobId)
    {
        if (!Running.Contains(jobId)) await ChangeAsync(s => s.Add(jobId));
    }

    /// <inheritdoc />
    public async Task ReleaseAsync(string jobId)
    {
        if (Running.Contains(jobId)) await ChangeAsync(s => s.Remove(jobId));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<string>> GetRunningAsync() => Task.FromResult<IReadOnlyList<string>>(Running.Order(StringComparer.Ordinal).ToArray());

    private async Task FreeEndedJobsAsync()
    {
        var held = Running.ToArray();
        var answers = await Task.WhenAll(held.Select(async id =>
        {
            try { return await GrainFactory.GetGrain<ISummaryGrain>(id).IsRunningAsync().WaitAsync(CheckTimeout); }
            catch (Exception e)
            {
                // Unknown is not ended: a job that cannot answer now keeps its slot.
                _logger.LogWarning("Could not ask job {Job} of tenant {Tenant} whether it still runs: {Reason}", id, this.GetPrimaryKeyString(), e.Message);
                return true;
            }
        }));
        var ended = held.Where((_, i) => !answers[i]).ToArray();
        if (ended.Length == 0) return;
        _logger.LogWarning("Freed {Count} slots of tenant {Tenant} whose jobs had ended without giving them back.", ended.Length, this.GetPrimaryKeyString());
        await ChangeAsync(s => s.ExceptWith(ended));
    }

    /// <summary>Applies <paramref name="change"/> and persists it; if the write fails, memory goes back to what is stored.</summary>
    private async Task ChangeAsync(Action<HashSet<string>> change)
    {
        var before = Running.ToHashSet();
        change(Running);
        try
        {
            await _state.WriteStateAsync();
        }
        catch
        {
            _state.State.Running = before;
            throw;
        }
    }
}
