using System.Text.Json.Serialization;

namespace Summarizer.Contracts;

/// <summary>A snapshot of a summary job: what was asked, where it stands, what it produced so far.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.SummaryJob")]
public sealed record SummaryJob
{
    /// <summary>The job's id.</summary>
    [Id(0)] public string JobId { get; init; } = "";

    /// <summary>The tenant that submitted it.</summary>
    [Id(1)] public string Tenant { get; init; } = "";

    /// <summary>Status.</summary>
    [Id(2)] public SummaryStatus Status { get; init; }

    /// <summary>Options as submitted.</summary>
    [Id(3)] public SummaryRequestOptions Options { get; init; } = new();

    /// <summary>Decided token ids so far (all of them once completed).</summary>
    [Id(4)] public IReadOnlyList<int> TokenIds { get; init; } = [];

    /// <summary>Decided text so far; the whole summary once completed.</summary>
    [Id(5)] public string Text { get; init; } = "";

    /// <summary>Why the job failed, if it did.</summary>
    [Id(6)] public string? Error { get; init; }

    /// <summary>Costs and timings.</summary>
    [Id(7)] public SummaryStatistics Statistics { get; init; } = new();

    /// <summary>Key of the document grain holding the shards.</summary>
    [Id(8)] public string DocumentKey { get; init; } = "";

    /// <summary>When the job was accepted.</summary>
    [Id(9)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the job reached a final status.</summary>
    [Id(10)] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Number of the last event published.</summary>
    [Id(11)] public long LastSequence { get; init; }

    /// <summary>The silo that ran (or runs) the decoder; it changes when a job resumes after losing its silo.</summary>
    [Id(12)] public string? Silo { get; init; }

    /// <summary>How many times the job was resumed after its silo was lost.</summary>
    [Id(13)] public int Resumes { get; init; }

    /// <summary>Times the job's decoder moved to the silo holding most of its document (live migration).</summary>
    [Id(14)] public int Migrations { get; init; }

    /// <summary>
    /// Once completed, when the request asked for attribution: each summary sentence with its source spans in the
    /// document as sent (as the <c>done</c> event carries them). Absent otherwise.
    /// </summary>
    [Id(15), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<AttributedSentence>? Attribution { get; init; }

    /// <summary>Once completed, when attribution was asked for but cannot be given (distributed decoding): why. Absent otherwise.</summary>
    [Id(16), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AttributionUnavailable { get; init; }

    /// <summary>Whether the job has reached a final status.</summary>
    public bool IsFinished => Status is SummaryStatus.Completed or SummaryStatus.Failed or SummaryStatus.Cancelled;
}
