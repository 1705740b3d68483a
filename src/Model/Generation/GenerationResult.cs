namespace Summarizer.Model.Generation;

/// <summary>What a search produced.</summary>
/// <param name="SequenceIds">The output as HF's <c>generate</c> returns it: decoder start token first, EOS last when it ended.</param>
/// <param name="Score">Length-normalised log-probability for beam search; sum of chosen log-probabilities is not tracked for greedy (0).</param>
/// <param name="DecoderSteps">Decoder forward passes run.</param>
public sealed record GenerationResult(IReadOnlyList<int> SequenceIds, double Score, int DecoderSteps)
{
    /// <summary>
    /// The decoder pass (1-based; 0 when nothing was decoded) and row after which the winning sequence was complete:
    /// where an <see cref="Attribution.AttentionTrace"/> finds the winner's records (beam search: the step and beam
    /// its hypothesis finished on).
    /// </summary>
    public (int Pass, int Row) Origin { get; init; }

    /// <summary>The generated tokens, without the decoder start token.</summary>
    public IReadOnlyList<int> GeneratedIds => SequenceIds.Skip(1).ToArray();
}
