namespace Summarizer.Model.Documents;

/// <summary>How a document's tokens are cut into encoder windows.</summary>
/// <param name="ShardLength">
/// Encoder input length of one window including BOS and EOS; at most the model's <c>max_position_embeddings</c>.
/// </param>
/// <param name="Overlap">
/// Content tokens shared by neighbouring windows, so tokens near a cut still see context on both sides.
/// </param>
public sealed record ShardingOptions(int ShardLength, int Overlap = 0)
{
    /// <summary>
    /// Throws an <see cref="ArgumentException"/> whose parameter is the option's name in requests (<c>shardLength</c>,
    /// <c>shardOverlap</c>) when it is out of range.
    /// </summary>
    public void Validate(int maxPositions)
    {
        if (ShardLength < 3 || ShardLength > maxPositions)
            throw new ArgumentException($"shardLength must be between 3 and the model's max_position_embeddings ({maxPositions}); got {ShardLength}.", "shardLength");
        if (Overlap < 0 || Overlap > (ShardLength - 2) / 2)
            throw new ArgumentException($"shardOverlap must be between 0 and half the window's content ({(ShardLength - 2) / 2}) for shardLength {ShardLength}; got {Overlap}.", "shardOverlap");
    }
}
