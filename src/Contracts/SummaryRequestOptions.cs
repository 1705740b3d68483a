namespace Summarizer.Contracts;

/// <summary>
/// Options a summary request can carry. Null means "the model's generation config decides". Shard length and
/// overlap are document-level: they only matter the first time a document is encoded.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.SummaryRequestOptions")]
public sealed record SummaryRequestOptions
{
    /// <summary>Generate at most this many tokens.</summary>
    [Id(0)] public int? MaxNewTokens { get; init; }

    /// <summary>Generate at least this many tokens before EOS may end the summary.</summary>
    [Id(1)] public int? MinNewTokens { get; init; }

    /// <summary>Beam count; 1 is greedy.</summary>
    [Id(2)] public int? Beams { get; init; }

    /// <summary>Length penalty exponent for beam search.</summary>
    [Id(3)] public double? LengthPenalty { get; init; }

    /// <summary>No n-gram of this size repeats; 0 turns the rule off.</summary>
    [Id(4)] public int? NoRepeatNgramSize { get; init; }

    /// <summary>Sparse cross-attention over the k best shards per step; null attends every shard (exact).</summary>
    [Id(5)] public int? TopKShards { get; init; }

    /// <summary>Encoder window length (BOS/EOS included); null is the model's limit.</summary>
    [Id(6)] public int? ShardLength { get; init; }

    /// <summary>Tokens shared by neighbouring windows; null is the service default.</summary>
    [Id(7)] public int? ShardOverlap { get; init; }

    /// <summary>
    /// <c>local</c> (pull the shards into the decoder's silo), <c>distributed</c> (scatter queries to shard grains),
    /// <c>auto</c> (by the document's size), or null for the service's configured mode.
    /// </summary>
    [Id(8)] public DecodeMode? DecodeMode { get; init; }

    /// <summary>
    /// With <c>true</c>, the finished job says which passages of the document each summary sentence drew on (the
    /// <c>attribution</c> of the job and of its <c>done</c> event). Off by default. Not available when the job decodes
    /// in distributed mode (the job's <c>attributionUnavailable</c> says so).
    /// </summary>
    [Id(9)] public bool? Attribution { get; init; }
}
