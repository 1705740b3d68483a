using Summarizer.Contracts;

namespace Summarizer.Grains.Summaries;

/// <summary>What a summary grain persists: the request, the job snapshot and every event published so far.</summary>
[GenerateSerializer, Alias("summarizer.SummaryState")]
public sealed class SummaryState
{
    /// <summary>The job snapshot.</summary>
    [Id(0)] public SummaryJob Job { get; set; } = new();

    /// <summary>The request (null until started).</summary>
    [Id(1)] public SummaryRequest? Request { get; set; }

    /// <summary>Events in sequence order; replayed to late and reconnecting subscribers.</summary>
    [Id(2)] public List<SummaryEvent> Events { get; set; } = [];
}
