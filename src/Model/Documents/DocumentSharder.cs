namespace Summarizer.Model.Documents;

/// <summary>
/// Cuts a document's content tokens into windows no longer than the encoder's position limit. Windows advance by
/// <c>content − overlap</c>; the last is aligned to the end of the document so none is a sliver. Each overlap is
/// split at its midpoint, which gives every token to the window where it is farthest from an edge, so every token is
/// kept exactly once.
/// </summary>
public static class DocumentSharder
{
    /// <summary>
    /// How many windows <see cref="Plan"/> cuts a document of <paramref name="contentTokens"/> tokens into, each window's
    /// input wrapped in <paramref name="template"/> (BART's one BOS and one EOS when null).
    /// </summary>
    public static int Count(long contentTokens, ShardingOptions options, InputTemplate? template = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(contentTokens);
        var (content, stride) = Stride(options, template);
        return contentTokens <= content ? 1 : (int)Math.Min(int.MaxValue, (contentTokens - content + stride - 1) / stride + 1);
    }

    /// <summary>
    /// The windows for a document of <paramref name="contentTokens"/> tokens (specials not counted), each window's input
    /// wrapped in <paramref name="template"/> (BART's one BOS and one EOS when null).
    /// </summary>
    public static IReadOnlyList<ShardWindow> Plan(int contentTokens, ShardingOptions options, InputTemplate? template = null)
    {
        int count = Count(contentTokens, options, template);
        int prefix = template?.Prefix.Count ?? 1, suffix = template?.Suffix.Count ?? 1;
        var (content, stride) = Stride(options, template);

        var starts = new int[count];
        var ends = new int[count];
        for (int i = 0; i < count; i++)
        {
            starts[i] = Math.Min(i * stride, Math.Max(0, contentTokens - content));
            ends[i] = Math.Min(starts[i] + content, contentTokens);
        }

        var windows = new ShardWindow[count];
        int keepStart = 0;
        for (int i = 0; i < count; i++)
        {
            int keepEnd = i == count - 1 ? contentTokens : (starts[i + 1] + ends[i]) / 2;
            windows[i] = new ShardWindow(i, starts[i], ends[i], keepStart, keepEnd, i == 0, i == count - 1, prefix, suffix);
            keepStart = keepEnd;
        }
        return windows;
    }

    private static (int Content, int Stride) Stride(ShardingOptions options, InputTemplate? template)
    {
        int prefix = template?.Prefix.Count ?? 1, suffix = template?.Suffix.Count ?? 1;
        int content = options.ShardLength - prefix - suffix;
        int stride = content - options.Overlap;
        if (content <= 0 || stride <= 0) throw new ArgumentException($"Shard length {options.ShardLength} with overlap {options.Overlap} and {prefix + suffix} template tokens leaves no room to advance.", nameof(options));
        return (content, stride);
    }
}
