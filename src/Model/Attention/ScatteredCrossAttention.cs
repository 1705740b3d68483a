using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// Cross-attention over shards held elsewhere (<see cref="IShardPartialSource"/>): each decoder layer's queries go to
/// the shards <see cref="SparseSelection"/> picks from the shards' key summaries (every shard in exact mode), the same
/// rule <see cref="ShardedCrossAttention"/> applies, and the partials that come back (one per silo, each already the
/// log-sum-exp merge of that silo's shards) are merged the same way, so both give the same tokens up to float
/// rounding. Only queries and partials move; the summaries are all this side holds of the K/V.
/// </summary>
public sealed class ScatteredCrossAttention : ICrossAttentionMemory, IDisposable
{
    private readonly IShardPartialSource _source;
    private readonly CrossAttentionMode _mode;
    private readonly (Tensor MeanKeys, Tensor LogLengths)[] _layers;

    /// <summary>Creates the memory from the shards' key summaries (document order).</summary>
    public ScatteredCrossAttention(IShardPartialSource source, IReadOnlyList<ShardKeyMeans> summaries, int heads, CrossAttentionMode mode)
    {
        _source = source;
        _mode = mode;
        _layers = Enumerable.Range(0, summaries[0].MeanKeys.Count).Select(l =>
        {
            var (means, logLengths) = ShardScore.Stack(summaries, l, heads);
            return (means.DetachFromDisposeScope(), logLengths.DetachFromDisposeScope());
        }).ToArray();
    }

    /// <inheritdoc />
    public Tensor Attend(int layer, Tensor query, int positions = 1)
    {
        var (meanKeys, logLengths) = _layers[layer];
        var rows = RemotePartials.Flatten(query);
        var selection = SparseSelection.Choose(_mode, query.to_type(ScalarType.Float32).cpu(), meanKeys, logLengths, positions);
        var partials = _source.Attend(layer, selection, rows);
        return RemotePartials.Merge(partials, rows, query.device);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (means, logLengths) in _layers)
        {
            means.Dispose();
            logLengths.Dispose();
        }
    }
}
