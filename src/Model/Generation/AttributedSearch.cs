using Summarizer.Model.Attribution;

namespace Summarizer.Model.Generation;

/// <summary>
/// A search that keeps an <see cref="AttentionTrace"/> in step with its rows: each pass's staged records are committed
/// before the search consumes its scores, and reordered as the search reorders its beams. Every driver (the
/// single-job loop, the iteration engine's batched step) hands each pass to <see cref="Advance"/> exactly once, so
/// the trace needs no hook in either.
/// </summary>
internal sealed class AttributedSearch(IDecodeSearch inner, AttentionTrace trace) : IDecodeSearch
{
    /// <inheritdoc />
    public GenerationSettings Settings => inner.Settings;

    /// <inheritdoc />
    public int Rows => inner.Rows;

    /// <inheritdoc />
    public IReadOnlyList<int> LastTokens => inner.LastTokens;

    /// <inheritdoc />
    public IReadOnlyList<int>? Prefix => inner.Prefix;

    /// <inheritdoc />
    public bool WantsPrefixLogProbabilities => inner.WantsPrefixLogProbabilities;

    /// <inheritdoc />
    public bool LogProbabilities => inner.LogProbabilities;

    /// <inheritdoc />
    public bool IsDone => inner.IsDone;

    /// <inheritdoc />
    public int Steps => inner.Steps;

    /// <inheritdoc />
    public GenerationResult Result => inner.Result;

    /// <inheritdoc />
    public SearchStep Advance(Span<float> scores, ReadOnlySpan<float> prefixLogProbabilities = default)
    {
        if (inner.Prefix is { } prefix)
        {
            // One row decoded the whole prefix, then the target copied it to every row.
            trace.Commit(1, prefix.Count);
            if (inner.Rows > 1) trace.Reorder(new int[inner.Rows]);
        }
        else
        {
            trace.Commit(inner.Rows);
        }
        var step = inner.Advance(scores, prefixLogProbabilities);
        if (step.Reorder is { } rows) trace.Reorder(rows);
        return step;
    }
}
