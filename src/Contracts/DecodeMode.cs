namespace Summarizer.Contracts;

/// <summary>
/// How a job's decoder attends over its document's shards. In JSON (requests, statistics) and configuration it is
/// written in lowercase: <c>auto</c>, <c>local</c>, <c>distributed</c>.
/// </summary>
[GenerateSerializer, Alias("summarizer.DecodeMode")]
public enum DecodeMode
{
    /// <summary>The service decides by the document's size (<c>Summarizer:DistributedAboveBytes</c> of stored K/V); in statistics: not decided yet.</summary>
    Auto = 0,

    /// <summary>Every shard is pulled into the decoder's silo and attended there.</summary>
    Local = 1,

    /// <summary>Queries are scattered to shard grains spread over the silos; only partial results come back.</summary>
    Distributed = 2,
}
