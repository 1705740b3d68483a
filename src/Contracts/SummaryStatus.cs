namespace Summarizer.Contracts;

/// <summary>Where a summary job stands.</summary>
[GenerateSerializer, Alias("summarizer.SummaryStatus")]
public enum SummaryStatus
{
    /// <summary>Accepted, not started.</summary>
    Queued = 0,

    /// <summary>The document is being tokenized, sharded and encoded.</summary>
    Encoding = 1,

    /// <summary>The summary is being generated.</summary>
    Decoding = 2,

    /// <summary>Done; the summary is final.</summary>
    Completed = 3,

    /// <summary>Ended with an error; <see cref="SummaryJob.Error"/> says why.</summary>
    Failed = 4,

    /// <summary>Cancelled by a client.</summary>
    Cancelled = 5,
}
