namespace Summarizer.Contracts;

/// <summary>How far a document's encoding has got.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.EncodingProgress")]
public sealed record EncodingProgress(
    [property: Id(0)] DocumentStatus Status,
    [property: Id(1)] int ShardsDone,
    [property: Id(2)] int ShardsTotal);
