namespace Summarizer.Contracts;

/// <summary>
/// One grain per summary job, keyed by job id: obtains the document's shards, generates the summary, publishes each
/// decided delta and persists the job, so status and result outlive activations and silos.
/// </summary>
[Alias("summarizer.ISummaryGrain")]
public interface ISummaryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the job (idempotent for the same job id); returns at once with the job queued, or with the concurrency
    /// bound (per tenant, per silo) that refused it, in which case nothing was recorded.
    /// </summary>
    [Alias("Start")]
    Task<StartOutcome> StartAsync(SummaryRequest request);

    /// <summary>The job's current snapshot; <see cref="SummaryStatus"/> is Queued for an unknown job with no request.</summary>
    [Alias("Get")]
    Task<SummaryJob?> GetAsync();

    /// <summary>
    /// Events after <paramref name="afterSequence"/>: first those already published (so a late or reconnecting
    /// subscriber gets the text so far), then live ones, ending with Done or Error.
    /// </summary>
    [Alias("Watch")]
    IAsyncEnumerable<SummaryEvent> WatchAsync(long afterSequence);

    /// <summary>
    /// Whether the job is being started or runs (not finished); asked by the tenant's admission grain to free the
    /// slots of jobs that ended without giving them back. Activating an unfinished job resumes it.
    /// </summary>
    [Alias("IsRunning")]
    Task<bool> IsRunningAsync();

    /// <summary>Stops generation; the job ends Cancelled. No effect on a finished job.</summary>
    [Alias("Cancel")]
    Task<SummaryJob?> CancelAsync();
}
