namespace Summarizer.Contracts;

/// <summary>Why a submission was refused: which concurrency bound it hit, its configured value and how long to wait.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.JobLimitRefusal")]
public sealed record JobLimitRefusal(
    [property: Id(0)] string Bound,
    [property: Id(1)] int Limit,
    [property: Id(2)] int Running,
    [property: Id(3)] int RetryAfterSeconds)
{
    /// <summary>The bound on one tenant's running jobs across the whole cluster.</summary>
    public const string PerTenant = "MaxConcurrentJobsPerTenant";

    /// <summary>The bound on jobs running on one silo.</summary>
    public const string PerSilo = "MaxConcurrentJobsPerSilo";

    /// <summary>A sentence naming the bound (as its configuration key) and its value.</summary>
    public string Describe(string tenant) => Bound == PerTenant
        ? $"Tenant '{tenant}' already has {Running} jobs running; the limit is {Limit} (Summarizer:{PerTenant}). Retry after {RetryAfterSeconds} s, once one of them has finished."
        : $"This silo already runs {Running} jobs; the limit is {Limit} (Summarizer:{PerSilo}). Retry after {RetryAfterSeconds} s.";
}

/// <summary>What <see cref="ISummaryGrain.StartAsync"/> answers: the job, or why it was not accepted (nothing recorded).</summary>
[GenerateSerializer, Immutable, Alias("summarizer.StartOutcome")]
public sealed record StartOutcome(
    [property: Id(0)] SummaryJob? Job,
    [property: Id(1)] JobLimitRefusal? Refused);

/// <summary>The answer of <see cref="IJobAdmissionGrain.TryAdmitAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.JobAdmission")]
public sealed record JobAdmission(
    [property: Id(0)] bool Admitted,
    [property: Id(1)] int Running,
    [property: Id(2)] int Limit);

/// <summary>
/// Thrown by the client library when a submission was refused because a concurrency bound was reached; nothing was
/// recorded. <see cref="Refusal"/> names the bound, its value and a retry delay.
/// </summary>
public sealed class JobLimitExceededException(JobLimitRefusal refusal, string tenant) : Exception(refusal.Describe(tenant))
{
    /// <summary>The bound that refused the job.</summary>
    public JobLimitRefusal Refusal { get; } = refusal;
}
