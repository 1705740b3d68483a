using System.Text.Json.Serialization;

namespace Summarizer.Contracts;

/// <summary>Kinds of <see cref="SummaryEvent"/>.</summary>
[GenerateSerializer, Alias("summarizer.SummaryEventKind")]
public enum SummaryEventKind
{
    /// <summary>Encoding progress: shards done of total.</summary>
    Progress = 0,

    /// <summary>Newly decided summary text and token ids.</summary>
    Delta = 1,

    /// <summary>The summary is complete: whole text and statistics.</summary>
    Done = 2,

    /// <summary>The job failed or was cancelled; <see cref="SummaryEvent.Error"/> says why.</summary>
    Error = 3,
}

/// <summary>
/// One event of a summary's stream. <see cref="Sequence"/> numbers events from 1 per job, so a client that
/// reconnects asks for events after the last one it saw and gets no duplicates.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.SummaryEvent")]
public sealed record SummaryEvent
{
    /// <summary>Position in the job's stream, from 1.</summary>
    [Id(0)] public long Sequence { get; init; }

    /// <summary>What the event carries.</summary>
    [Id(1)] public SummaryEventKind Kind { get; init; }

    /// <summary>Text delta (Delta) or the whole summary (Done).</summary>
    [Id(2)] public string Text { get; init; } = "";

    /// <summary>Token ids of the delta (Delta) or of the whole summary (Done).</summary>
    [Id(3)] public IReadOnlyList<int> TokenIds { get; init; } = [];

    /// <summary>Shards encoded so far (Progress).</summary>
    [Id(4)] public int ShardsDone { get; init; }

    /// <summary>Shards in the document (Progress).</summary>
    [Id(5)] public int ShardsTotal { get; init; }

    /// <summary>Statistics (Done).</summary>
    [Id(6)] public SummaryStatistics? Statistics { get; init; }

    /// <summary>Why the job ended without a summary (Error).</summary>
    [Id(7)] public string? Error { get; init; }

    /// <summary>
    /// Done, when the request asked for attribution: each summary sentence with its source spans in the document as
    /// sent. Absent otherwise.
    /// </summary>
    [Id(8), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<AttributedSentence>? Attribution { get; init; }

    /// <summary>Done, when attribution was asked for but cannot be given (distributed decoding): why. Absent otherwise.</summary>
    [Id(9), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AttributionUnavailable { get; init; }

    /// <summary>Whether no event follows this one.</summary>
    public bool IsTerminal => Kind is SummaryEventKind.Done or SummaryEventKind.Error;
}
