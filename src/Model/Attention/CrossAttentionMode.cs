namespace Summarizer.Model.Attention;

/// <summary>
/// How decoder queries attend to a sharded document: every shard (exact, equal to dense attention) or only the
/// <see cref="TopK"/> shards with the highest <see cref="ShardScore"/> at each step and layer.
/// </summary>
/// <param name="TopK">Shards attended per query row, or null for all (exact).</param>
/// <param name="UnionLimit">
/// Sparse mode: most shards one step reads for all its rows (beams) together; null for <see cref="DefaultUnionFactor"/>
/// × k. Each row picks its top k among the shards the rows score highest, so beams that disagree cannot make a step read
/// k shards per beam. One row is never restricted (its top k are the first k of any candidate list).
/// </param>
public sealed record CrossAttentionMode(int? TopK, int? UnionLimit = null)
{
    /// <summary>
    /// The default union limit in multiples of k: measured with 4 beams, top-4, bart-base shape (docs/benchmarks.md),
    /// unbounded per-beam unions made a 128K-token step 1.6x an 8K one; twice k keeps it near 1x.
    /// </summary>
    public const int DefaultUnionFactor = 2;

    /// <summary>Attend every shard: the result equals attention over the concatenated document.</summary>
    public static CrossAttentionMode Exact { get; } = new((int?)null);

    /// <summary>Attend only the <paramref name="k"/> best-scoring shards.</summary>
    public static CrossAttentionMode Sparse(int k, int? unionLimit = null)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "top-k shards must be at least 1.");
        if (unionLimit < k) throw new ArgumentOutOfRangeException(nameof(unionLimit), unionLimit, "The union limit must be at least k.");
        return new CrossAttentionMode(k, unionLimit);
    }

    /// <summary>Most shards a sparse step reads for all its rows (null in exact mode).</summary>
    public int? ShardsPerStep => TopK is { } k ? UnionLimit ?? (int)Math.Min(int.MaxValue, (long)DefaultUnionFactor * k) : null;

    /// <summary>Whether this mode attends every one of <paramref name="shardCount"/> shards.</summary>
    public bool IsExactFor(int shardCount) => TopK is null || TopK >= shardCount;

    /// <inheritdoc />
    public override string ToString() => TopK is null ? "exact" : $"top-{TopK}";
}
