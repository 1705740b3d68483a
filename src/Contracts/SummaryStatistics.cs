namespace Summarizer.Contracts;

/// <summary>What a finished (or running) job cost.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.SummaryStatistics")]
public sealed record SummaryStatistics
{
    /// <summary>Shards the document was cut into.</summary>
    [Id(0)] public int ShardCount { get; init; }

    /// <summary>Encoder runs this job caused (0 when the document's shards were already stored).</summary>
    [Id(1)] public long EncoderRuns { get; init; }

    /// <summary>Source tokens in the document.</summary>
    [Id(2)] public int SourceTokens { get; init; }

    /// <summary>Tokens generated.</summary>
    [Id(3)] public int Tokens { get; init; }

    /// <summary>From the start of decoding to the first decided token.</summary>
    [Id(4)] public double TimeToFirstTokenMs { get; init; }

    /// <summary>Generated tokens per second of decoding.</summary>
    [Id(5)] public double TokensPerSecond { get; init; }

    /// <summary>Time spent obtaining shards (encoding or loading them).</summary>
    [Id(6)] public double EncodeMs { get; init; }

    /// <summary>Time spent decoding.</summary>
    [Id(7)] public double DecodeMs { get; init; }

    /// <summary>
    /// How cross-attention ran: <c>local</c> (shards pulled into the decoder's silo) or <c>distributed</c> (scatter-gather
    /// to shard grains); <c>auto</c> until the job has chosen.
    /// </summary>
    [Id(8)] public DecodeMode DecodeMode { get; init; }

    /// <summary>Shard-grain calls per generated token (0 in local mode).</summary>
    [Id(9)] public double RoundTripsPerToken { get; init; }

    /// <summary>Bytes of queries and partial results moved per generated token (0 in local mode).</summary>
    [Id(10)] public double BytesPerToken { get; init; }

    /// <summary>Share of decoding time spent in cross-attention (scatter, partials, merge).</summary>
    [Id(11)] public double CrossAttentionShare { get; init; }

    /// <summary>Silos that served this job's shard grains (distributed mode).</summary>
    [Id(12)] public int ShardSilos { get; init; }

    /// <summary>Share of the document's shards held on the decoder's own silo when decoding started (0–1).</summary>
    [Id(13)] public double LocalShardShare { get; init; }

    /// <summary>
    /// Decoder passes of the run that produced the summary. A resumed job's published tokens take one pass together
    /// (its prefix), so after a resume this is below <see cref="Tokens"/>: they were not decoded again.
    /// </summary>
    [Id(14)] public int DecoderSteps { get; init; }
}
