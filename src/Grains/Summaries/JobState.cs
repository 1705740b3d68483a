using Summarizer.Contracts;

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
