namespace Summarizer.Contracts;

/// <summary>
/// One sentence of a finished summary and the passages of the original document it drew on (request option
/// <c>attribution</c>): its text, its range in the summary, and at most five source spans, strongest first.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.AttributedSentence")]
public sealed record AttributedSentence
{
    /// <summary>The sentence as it appears in the summary.</summary>
    [Id(0)] public string Text { get; init; } = "";

    /// <summary>First character of the sentence in the summary text (UTF-16 code units).</summary>
    [Id(1)] public int Start { get; init; }

    /// <summary>One past its last character in the summary text.</summary>
    [Id(2)] public int End { get; init; }

    /// <summary>Source spans in the document as sent, strongest first (at most five).</summary>
    [Id(3)] public IReadOnlyList<AttributedSpan> Spans { get; init; } = [];
}

/// <summary>A stretch of the document, as the user sent it, that a summary sentence drew on.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.AttributedSpan")]
public sealed record AttributedSpan
{
    /// <summary>First character in the original document text (UTF-16 code units, CRLF counted as sent).</summary>
    [Id(0)] public int Start { get; init; }

    /// <summary>One past its last character.</summary>
    [Id(1)] public int End { get; init; }

    /// <summary>
    /// The sentence's tokens' cross-attention probability on the span (last decoder layer, head-averaged), averaged
    /// over the sentence's tokens: in [0, 1].
    /// </summary>
    [Id(2)] public double Weight { get; init; }
}
