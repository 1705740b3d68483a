using Summarizer.Model.Attribution;

namespace Summarizer.Model.Generation;

/// <summary>
/// A search strategy as a state machine that an outside loop drives one decoder step at a time (CTranslate2-style:
/// the search knows nothing of layers or of other jobs). Each step the loop feeds <see cref="LastTokens"/> (one per
/// row), or once at the start the whole <see cref="Prefix"/> of a resumed job, and hands the rows' next-token scores
/// to <see cref="Advance"/>, which decides tokens, says how to reorder the rows, and eventually finishes.
/// </summary>
public interface IDecodeSearch
{
    /// <summary>The parameters this search follows.</summary>
    GenerationSettings Settings { get; }

    /// <summary>Rows in each step (greedy: 1; beam search: the beams). Fixed for the life of the search.</summary>
    int Rows { get; }

    /// <summary>The token each row feeds at the next step.</summary>
    IReadOnlyList<int> LastTokens { get; }

    /// <summary>
    /// Before the first step of a search resumed from published tokens: the decoder start and those tokens, to be fed
    /// as one pass (of one row) that rebuilds the self-attention cache; its last position's scores, copied to every
    /// row, go to the first <see cref="Advance"/>. Null when no prefix is due.
    /// </summary>
    IReadOnlyList<int>? Prefix { get; }

    /// <summary>Whether the prefix pass must also return each prefix token's log-probability (beam search scores the prefix).</summary>
    bool WantsPrefixLogProbabilities { get; }

    /// <summary>Whether scores must be log-probabilities (beam search) rather than raw logits (greedy).</summary>
    bool LogProbabilities { get; }

    /// <summary>Whether the search has finished; then <see cref="Result"/> is ready.</summary>
    bool IsDone { get; }

    /// <summary>Decoder passes this search consumed (a prefix pass counts as one).</summary>
    int Steps { get; }

    /// <summary>
    /// Consumes the next-token scores of every row, <c>Rows × vocab</c> (modified in place by the logits rules), and
    /// decides. <paramref name="prefixLogProbabilities"/> goes with the scores of a prefix pass when
    /// <see cref="WantsPrefixLogProbabilities"/> was set.
    /// </summary>
    SearchStep Advance(Span<float> scores, ReadOnlySpan<float> prefixLogProbabilities = default);

    /// <summary>The finished output; throws while the search is running.</summary>
    GenerationResult Result { get; }
}

/// <summary>What one <see cref="IDecodeSearch.Advance"/> decided.</summary>
/// <param name="Decided">Tokens that will never be revised, in order, to publish now (possibly none).</param>
/// <param name="Reorder">When not null, row i continues from previous row <c>Reorder[i]</c> (beam reordering).</param>
/// <param name="Done">Whether the search has finished.</param>
public readonly record struct SearchStep(IReadOnlyList<int> Decided, IReadOnlyList<int>? Reorder, bool Done);

/// <summary>Creates searches and runs one against a decode target on the calling thread.</summary>
public static class DecodeSearch
{
    /// <summary>Greedy for one beam, beam search for more, resuming after <paramref name="published"/> tokens when given.</summary>
    /// With <paramref name="attribution"/>, the search also keeps that trace's records in step with its rows.
    public static IDecodeSearch Create(GenerationSettings settings, int vocabSize, IReadOnlyList<int>? published = null, AttentionTrace? attribution = null)
    {
        IDecodeSearch search = settings.NumBeams == 1 ? new GreedySearch(settings, vocabSize, published) : new BeamSearch(settings, vocabSize, published);
        return attribution is null ? search : new AttributedSearch(search, attribution);
    }

    /// <summary>
    /// Drives <paramref name="search"/> to its end against <paramref name="target"/>, passing decided tokens to
    /// <paramref name="onDecided"/> as soon as they are final.
    /// </summary>
    public static GenerationResult Run(IDecodeSearch search, IDecodeTarget target, Action<IReadOnlyList<int>>? onDecided, CancellationToken cancellationToken)
    {
        while (!search.IsDone)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SearchStep step;
            if (search.Prefix is { } prefix)
            {
                var (scores, logProbs) = target.Prefill(prefix, search.Rows, search.LogProbabilities, search.WantsPrefixLogProbabilities);
                step = search.Advance(scores, logProbs);
            }
            else
            {
                step = search.Advance(target.Step(search.LastTokens, search.LogProbabilities));
            }
            if (step.Reorder is { } rows) target.Reorder(rows);
            if (step.Decided.Count > 0) onDecided?.Invoke(step.Decided);
        }
        return search.Result;
    }
}
