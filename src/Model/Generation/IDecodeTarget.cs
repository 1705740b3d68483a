namespace Summarizer.Model.Generation;

/// <summary>
/// One decoder step for a batch of rows (greedy: one row, beam search: one row per beam), hiding where the
/// decoder and its cross-attention memory live. Search strategies only see scores and reorder rows.
/// </summary>
public interface IDecodeTarget : IDisposable
{
    /// <summary>
    /// Feeds one token per row and returns the next-token scores <c>[rows × vocab]</c> as managed floats: raw logits,
    /// or log-probabilities when <paramref name="logSoftmax"/> is set (beam search scores in log space).
    /// </summary>
    float[] Step(IReadOnlyList<int> lastTokens, bool logSoftmax);

    /// <summary>Makes row i continue from previous row <paramref name="sourceRows"/>[i] (beam reordering).</summary>
    void Reorder(IReadOnlyList<int> sourceRows);

    /// <summary>Vocabulary size: the length of one row of logits.</summary>
    int VocabSize { get; }

    /// <summary>
    /// Feeds <paramref name="tokens"/> (decoder start and the tokens a resumed job already published) to a fresh
    /// target as one row, leaves <paramref name="rows"/> identical rows behind, and returns the last position's scores
    /// for every row, plus, when <paramref name="tokenLogProbs"/> is set, each token's log-probability given those
    /// before it. This default feeds the tokens one step at a time; targets that can do it in one pass override it.
    /// </summary>
    (float[] Scores, float[]? TokenLogProbs) Prefill(IReadOnlyList<int> tokens, int rows, bool logSoftmax, bool tokenLogProbs)
    {
        var logProbs = tokenLogProbs ? new float[tokens.Count - 1] : null;
        for (int i = 0; i < tokens.Count - 1; i++)
        {
            var scores = Step([tokens[i]], logSoftmax: true);
            if (logProbs is not null) logProbs[i] = scores[tokens[i + 1]];
        }
        var last = Step([tokens[^1]], logSoftmax);
        if (rows == 1) return (last, logProbs);
        Reorder(new int[rows]);
        return (Replicate(last, rows), logProbs);
    }

    /// <summary>One row of scores copied into <paramref name="rows"/> rows.</summary>
    static float[] Replicate(float[] row, int rows)
    {
        var all = new float[row.Length * rows];
        for (int r = 0; r < rows; r++) row.CopyTo(all, r * row.Length);
        return all;
    }
}
