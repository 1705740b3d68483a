namespace Summarizer.Contracts;

/// <summary>One stored shard of a document.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.ShardDescriptor")]
public sealed record ShardDescriptor(
    [property: Id(0)] int Index,
    [property: Id(1)] int TokenStart,
    [property: Id(2)] int TokenEnd,
    [property: Id(3)] long Bytes);

/// <summary>Document encoding status.</summary>
[GenerateSerializer, Alias("summarizer.DocumentStatus")]
public enum DocumentStatus
{
    /// <summary>Never encoded.</summary>
    New = 0,

    /// <summary>Encoding in progress.</summary>
    Encoding = 1,

    /// <summary>Every shard is stored.</summary>
    Encoded = 2,

    /// <summary>Encoding failed; the reason is kept.</summary>
    Failed = 3,
}

/// <summary>What the document grain persists about a document: enough to find and check every shard.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.DocumentManifest")]
public sealed record DocumentManifest
{
    /// <summary>The document grain's key (<see cref="Contracts.DocumentKey"/>): tenant, content hash and model fingerprint.</summary>
    [Id(0)] public string DocumentKey { get; init; } = "";

    /// <summary>Fingerprint of the model the shards came from.</summary>
    [Id(1)] public string ModelFingerprint { get; init; } = "";

    /// <summary>Status.</summary>
    [Id(2)] public DocumentStatus Status { get; init; }

    /// <summary>Source tokens (BOS/EOS excluded).</summary>
    [Id(3)] public int SourceTokens { get; init; }

    /// <summary>Encoder window length used.</summary>
    [Id(4)] public int ShardLength { get; init; }

    /// <summary>Window overlap used.</summary>
    [Id(5)] public int ShardOverlap { get; init; }

    /// <summary>Shards in document order.</summary>
    [Id(6)] public IReadOnlyList<ShardDescriptor> Shards { get; init; } = [];

    /// <summary>Stored format.</summary>
    [Id(7)] public ShardFormat Format { get; init; }

    /// <summary>Why encoding failed, if it did.</summary>
    [Id(8)] public string? Error { get; init; }

    /// <summary>Encoder runs spent on this document over its lifetime (re-encodes after loss included).</summary>
    [Id(9)] public long EncoderRuns { get; init; }

    /// <summary>Shard count.</summary>
    public int ShardCount => Shards.Count;

    /// <summary>Total stored bytes.</summary>
    public long TotalBytes => Shards.Sum(s => s.Bytes);
}
