using TorchSharp;

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
}
