namespace Summarizer.Model.Attribution;

/// <summary>
/// Where the decoder looked while choosing one token: the last decoder layer's cross-attention probabilities averaged
/// over heads. <see cref="ShardMass"/> is each shard's share of that distribution (it sums to 1 over the shards
/// attended); <see cref="Top"/> the most attended document tokens, strongest first, specials excluded.
/// </summary>
/// <param name="ShardMass">One share per shard of the document, in document order; 0 for shards not attended (sparse mode).</param>
/// <param name="Top">Document token positions (content tokens, specials excluded) and their attention probability.</param>
public sealed record TokenAttention(float[] ShardMass, IReadOnlyList<AttendedPosition> Top)
{
    /// <summary>A token whose step recorded nothing (a memory that does not support attribution).</summary>
    public static TokenAttention Empty { get; } = new([], []);
}

/// <summary>One attended document token and its attention probability (head-averaged, over the whole document).</summary>
/// <param name="Token">Index into the document's content tokens.</param>
/// <param name="Weight">Attention probability, in [0, 1].</param>
public readonly record struct AttendedPosition(int Token, float Weight);
