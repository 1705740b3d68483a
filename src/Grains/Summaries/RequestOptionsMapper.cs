using Summarizer.Contracts;
using Summarizer.Model.Attention;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries;

/// <summary>Turns a request's options into the model core's, rejecting out-of-range values with the option's name.</summary>
public static class RequestOptionsMapper
{
    /// <summary>Maps and validates; throws <see cref="ArgumentException"/> whose ParamName is the option's JSON name.</summary>
    public static SummaryOptions ToModel(SummaryRequestOptions options)
    {
        if (options.TopKShards is < 1) throw new ArgumentException($"topKShards must be at least 1; got {options.TopKShards}.", "topKShards");
        if (options.ShardLength is < 3) throw new ArgumentException($"shardLength must be at least 3; got {options.ShardLength}.", "shardLength");
        if (options.DecodeMode is { } mode && !Enum.IsDefined(mode))
            throw new ArgumentException($"decodeMode must be 'auto', 'local' or 'distributed'; got '{mode}'.", "decodeMode");
        if (options.ShardOverlap is < 0) throw new ArgumentException($"shardOverlap must be 0 or more; got {options.ShardOverlap}.", "shardOverlap");
        var mapped = new SummaryOptions
        {
            MaxNewTokens = options.MaxNewTokens,
            MinNewTokens = options.MinNewTokens,
            NumBeams = options.Beams,
            LengthPenalty = options.LengthPenalty,
            NoRepeatNgramSize = options.NoRepeatNgramSize,
            CrossAttention = options.TopKShards is { } k ? CrossAttentionMode.Sparse(k) : CrossAttentionMode.Exact,
        };
        mapped.Validate();
        return mapped;
    }
}
