namespace Summarizer.Model.Attention;

/// <summary>
/// How decoder queries attend to a sharded document: every shard (exact, equal to dense attention) or only the
/// <see cref="TopK"/> shards with the highest <see cref="ShardScore"/> at each step and layer.
/// </summary>
/// <param name="TopK">Shards attended per query row, or null for all (exact).</param>
public sealed record CrossAttentionMode(int? TopK)
{
    /// <summary>Attend every shard: the result equals attention over the concatenated document.</summary>
    public static CrossAttentionMode Exact { get; } = new((int?)null);

    /// <summary>Attend only the <paramref name="k"/> best-scoring shards.</summary>
    public static CrossAttentionMode Sparse(int k) =>
        k >= 1 ? new CrossAttentionMode(k) : throw new ArgumentOutOfRangeException(nameof(k), k, "top-k shards must be at least 1.");

    /// <summary>Whether this mode attends every one of <paramref name="shardCount"/> shards.</summary>
    public bool IsExactFor(int shardCount) => TopK is null || TopK >= shardCount;

    /// <inheritdoc />
    public override string ToString() => TopK is null ? "exact" : $"top-{TopK}";
}
