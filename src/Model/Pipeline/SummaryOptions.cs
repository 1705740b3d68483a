using Summarizer.Model.Attention;

namespace Summarizer.Model.Pipeline;

/// <summary>
/// What one summary request may change; anything left null comes from the checkpoint's generation config.
/// </summary>
public sealed record SummaryOptions
{
    /// <summary>Tokens to generate at most (HF <c>max_new_tokens</c>); overrides <c>max_length</c>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Tokens to generate at least before EOS may end the summary (decoder start not counted).</summary>
    public int? MinNewTokens { get; init; }

    /// <summary>Beam count; 1 is greedy search.</summary>
    public int? NumBeams { get; init; }

    /// <summary>Length penalty exponent for beam search.</summary>
    public double? LengthPenalty { get; init; }

    /// <summary>No n-gram of this size repeats (0 turns the rule off).</summary>
    public int? NoRepeatNgramSize { get; init; }

    /// <summary>Exact attention over every shard (default) or top-k shards.</summary>
    public CrossAttentionMode CrossAttention { get; init; } = CrossAttentionMode.Exact;

    /// <summary>Upper bounds a service enforces on requests.</summary>
    public const int MaxBeams = 16, MaxNewTokensLimit = 4096;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (MaxNewTokens is < 1 or > MaxNewTokensLimit) throw new ArgumentException($"maxNewTokens must be between 1 and {MaxNewTokensLimit}; got {MaxNewTokens}.", "maxNewTokens");
        if (MinNewTokens is < 0) throw new ArgumentException($"minNewTokens must be 0 or more; got {MinNewTokens}.", "minNewTokens");
        if (MinNewTokens is { } min && MaxNewTokens is { } max && min > max) throw new ArgumentException($"minNewTokens ({min}) exceeds maxNewTokens ({max}).", "minNewTokens");
        if (NumBeams is < 1 or > MaxBeams) throw new ArgumentException($"beams must be between 1 and {MaxBeams}; got {NumBeams}.", "beams");
        if (LengthPenalty is { } lp && (double.IsNaN(lp) || Math.Abs(lp) > 10)) throw new ArgumentException($"lengthPenalty must be between -10 and 10; got {lp}.", "lengthPenalty");
        if (NoRepeatNgramSize is < 0 or > 32) throw new ArgumentException($"noRepeatNgramSize must be between 0 and 32; got {NoRepeatNgramSize}.", "noRepeatNgramSize");
        if (CrossAttention.TopK is < 1) throw new ArgumentException($"topKShards must be at least 1; got {CrossAttention.TopK}.", "topKShards");
    }
}
