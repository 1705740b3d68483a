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
    /// <c>shardOverlap</c>) when it is out of range. <paramref name="maxLength"/> is the longest window the model takes;
    /// <paramref name="templateTokens"/> the specials every window carries.
    /// </summary>
    public void Validate(int maxLength, int templateTokens = 2)
    {
        int least = templateTokens + 1;
        if (ShardLength < least || ShardLength > maxLength)
            throw new ArgumentException($"shardLength must be between {least} and the model's window limit ({maxLength}); got {ShardLength}.", "shardLength");
        int content = ShardLength - templateTokens;
        if (Overlap < 0 || Overlap > content / 2)
            throw new ArgumentException($"shardOverlap must be between 0 and half the window's content ({content / 2}) for shardLength {ShardLength}; got {Overlap}.", "shardOverlap");
    }
}
