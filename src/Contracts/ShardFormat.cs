namespace Summarizer.Contracts;

/// <summary>What a stored shard holds (<c>Summarizer:ShardFormat</c>: <c>kv</c> or <c>hidden</c>).</summary>
[GenerateSerializer, Alias("summarizer.ShardFormat")]
public enum ShardFormat
{
    /// <summary>Every decoder layer's cross-attention keys and values.</summary>
    Kv = 0,

    /// <summary>The encoder's output rows (2 × decoder layers smaller); each silo projects K/V once when it loads the shard.</summary>
    Hidden = 1,
}
