using Summarizer.Contracts;
using Summarizer.Grains.Summaries.Events;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// What a summary grain persists about its job, bounded whatever the document's length: the snapshot (status, options,
/// statistics, counters) without the text streamed so far, which lives in the job's event log; the final summary is
/// added once the job completes. Written when the status changes, never per token.
/// </summary>
[GenerateSerializer, Alias("summarizer.JobState")]
public sealed class JobState
{
    /// <summary>The snapshot; <see cref="SummaryJob.JobId"/> is empty until the job is accepted.</summary>
    [Id(0)] public SummaryJob Job { get; set; } = new();

    /// <summary>Whether a job was accepted under this grain's key.</summary>
    public bool Accepted => Job.JobId.Length > 0;
}

/// <summary>
/// The submitted document text, kept apart from the job's state: written once when the job is accepted (so a job resumed
/// on another silo can still have its document encoded) and cleared when the job ends.
/// </summary>
[GenerateSerializer, Alias("summarizer.JobDocument")]
public sealed class JobDocument
{
    /// <summary>The text as submitted.</summary>
    [Id(0)] public string? Text { get; set; }
}

/// <summary>How a job's final event ends its snapshot: the one mapping from done or error to status, text and reason.</summary>
internal static class JobEnding
{
    /// <summary>The cancellation's error text on the final event.</summary>
    public const string Cancelled = "cancelled";

    /// <summary><paramref name="job"/> ended by <paramref name="terminal"/>, with what <paramref name="log"/> published before it.</summary>
    public static SummaryJob Apply(SummaryJob job, SummaryEvent terminal, JobEventLog log, SummaryStatistics? statistics)
    {
        bool done = terminal.Kind == SummaryEventKind.Done, cancelled = terminal.Error == Cancelled;
        return job with
        {
            Status = done ? SummaryStatus.Completed : cancelled ? SummaryStatus.Cancelled : SummaryStatus.Failed,
            Text = done ? terminal.Text : log.Text,
            TokenIds = done ? terminal.TokenIds : log.TokenIds,
            Error = done ? null : cancelled ? "Cancelled by the client." : terminal.Error,
            Statistics = terminal.Statistics ?? statistics ?? job.Statistics,
            LastSequence = terminal.Sequence,
            CompletedAt = DateTimeOffset.UtcNow,
            Attribution = done ? terminal.Attribution : null,
            AttributionUnavailable = done ? terminal.AttributionUnavailable : null,
        };
    }
}
