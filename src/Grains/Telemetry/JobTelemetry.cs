using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Summarizer.Grains.Telemetry;

/// <summary>
/// What one run of a job on one silo reports: its span (<c>summarizer.job</c>, and <c>summarizer.decode</c> inside
/// it), its log scope (job id and tenant on every line logged meanwhile), its place in <c>summarizer.jobs.active</c>
/// and its counters and histograms. Created at the start of the run and disposed at its end, on the run's own async
/// flow (the span and the scope are ambient to it).
/// </summary>
public sealed class JobTelemetry : IDisposable
{
    private readonly SummarizerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _jobId, _tenant;
    private readonly DateTimeOffset _acceptedAt;
    private readonly Activity? _job;
    private readonly IDisposable? _logScope;
    private Activity? _decode;
    private bool _firstTokenDue;

    internal JobTelemetry(SummarizerMetrics metrics, ILogger logger, string jobId, string tenant, DateTimeOffset acceptedAt, bool firstRun)
    {
        _metrics = metrics;
        _logger = logger;
        _jobId = jobId;
        _tenant = tenant;
        _acceptedAt = acceptedAt;
        // Only a run that has published nothing yet can measure time to first token; a resumed one regenerates silently.
        _firstTokenDue = firstRun;
        _logScope = logger.BeginScope(LogScopes.Job(jobId, tenant));
        _job = SummarizerActivities.StartJob(jobId, tenant);
        metrics.JobQueued(jobId);
    }

    /// <summary>The document is encoded and its shards are in reach: decoding starts.</summary>
    public void Decoding(int shards, int sourceTokens, bool distributed)
    {
        _job?.SetTag(SummarizerActivities.Shards, shards).SetTag(SummarizerActivities.SourceTokens, sourceTokens);
        _decode = SummarizerActivities.StartDecode(shards, sourceTokens, distributed);
        _metrics.JobStarted(_jobId, _tenant);
    }

    /// <summary><paramref name="count"/> tokens were published (the first ones give the time to first token).</summary>
    public void Published(int count)
    {
        if (count <= 0) return;
        _metrics.TokensGenerated(_tenant, count);
        if (!_firstTokenDue) return;
        _firstTokenDue = false;
        _metrics.FirstToken(DateTimeOffset.UtcNow - _acceptedAt);
        _decode?.AddEvent(new ActivityEvent("first_token"));
    }

    /// <summary>The job completed with <paramref name="tokens"/> tokens decoded at <paramref name="tokensPerSecond"/>.</summary>
    public void Completed(int tokens, double tokensPerSecond)
    {
        _decode?.SetTag(SummarizerActivities.OutputTokens, tokens);
        _job?.SetTag(SummarizerActivities.OutputTokens, tokens).AddEvent(new ActivityEvent("done")).SetStatus(ActivityStatusCode.Ok);
        _metrics.JobCompleted(_tenant, Elapsed, tokensPerSecond);
        _logger.LogInformation("Job {JobId} completed: {Tokens} tokens at {TokensPerSecond:F1} tokens/s, {Seconds:F1} s after it was accepted.", _jobId, tokens, tokensPerSecond, Elapsed.TotalSeconds);
    }

    /// <summary>The job failed for <paramref name="reason"/>.</summary>
    public void Failed(JobFailureReason reason)
    {
        SummarizerActivities.Fail(_decode, reason);
        SummarizerActivities.Fail(_job, reason);
        _metrics.JobFailed(_tenant, reason, Elapsed);
        _logger.LogWarning("Job {JobId} failed ({Reason}).", _jobId, reason.Label());
    }

    /// <summary>The client cancelled the job.</summary>
    public void Cancelled()
    {
        _job?.AddEvent(new ActivityEvent("cancelled"));
        _metrics.JobCancelled(_tenant, Elapsed);
        _logger.LogInformation("Job {JobId} was cancelled.", _jobId);
    }

    private TimeSpan Elapsed => DateTimeOffset.UtcNow - _acceptedAt;

    /// <inheritdoc />
    public void Dispose()
    {
        _decode?.Dispose();
        _job?.Dispose();
        _metrics.JobLeft(_jobId);
        _logScope?.Dispose();
    }
}
