using Summarizer.Model.Attribution;
using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Attention;

/// <summary>
/// Cross-attention memory over a document's shards held in this process. Exact mode computes every shard's partial
/// attention and merges them by log-sum-exp (equal to dense attention); sparse mode picks the top-k shards per query
/// row by <see cref="ShardScore"/> (<see cref="SparseSelection"/>) and attends only those. The shards' K/V are stacked once per layer (padded to the
/// longest shard) and shared by every beam: queries broadcast over them, nothing is copied per beam. Exact mode without
/// attribution lays the shards end to end and attends them densely (<see cref="DenseAttention"/>, padding masked): the
/// same softmax over the same keys, without the per-shard log-sum-exp bookkeeping.
/// With an <see cref="AttentionTrace"/>, the last layer's attention of every pass is also staged there as attribution
/// records: in exact mode over every shard, in sparse mode over the shards each row attended (the others get no mass).
/// </summary>
public sealed class ShardedCrossAttention : ICrossAttentionMemory, IDisposable
{
    private readonly LayerMemory[] _layers;
    private readonly bool _allValid;   // every shard full length: no padding to mask
    private readonly bool _dense;      // exact mode without attribution: K/V laid end to end, [1, heads, shards·length, headDim]
    private readonly AttentionProbe? _probe;

    /// <summary>
    /// Stacks <paramref name="shards"/> (in document order) on <paramref name="device"/> (CPU when null) for attention
    /// in <paramref name="mode"/>; with <paramref name="attribution"/>, the last layer's attention is recorded there.
    /// </summary>
    public ShardedCrossAttention(IReadOnlyList<KvShard> shards, CrossAttentionMode mode, Device? device = null, AttentionTrace? attribution = null)
    {
        device ??= CPU;
        if (shards.Count == 0) throw new ArgumentException("A document needs at least one shard.", nameof(shards));
        Mode = mode;
        ShardCount = shards.Count;
        int layers = shards[0].Layers.Count;
        long maxLength = shards.Max(s => (long)s.ValidLength);
        _allValid = shards.All(s => s.ValidLength == maxLength);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var positions = Scalars.With(maxLength, stop => arange(Scalars.Zero, stop, Scalars.One));
        var valid = stack(shards.Select(s => Scalars.With((long)s.ValidLength, length => positions.lt(length))).ToArray()).to(device);
        var summaries = shards.Select(ShardScore.Summarize).ToArray();
        // Exact mode with nothing to record attends the shards end to end as one block: the same softmax over the same
        // keys as merging per-shard partials, without the per-shard log-sum-exps (the cost sharding added, 1.2-1.4x dense).
        _dense = mode.IsExactFor(shards.Count) && attribution is null;
        var padding = _dense && !_allValid ? valid.logical_not().reshape(-1) : valid.alias();
        _layers = new LayerMemory[layers];
        for (int layer = 0; layer < layers; layer++)
        {
            var keys = stack(shards.Select(s => Pad(s.Layers[layer].Keys, maxLength)).ToArray()).to(ScalarType.Float32, device);
            var values = stack(shards.Select(s => Pad(s.Layers[layer].Values, maxLength)).ToArray()).to(ScalarType.Float32, device);
            if (_dense)
            {
                keys = EndToEnd(keys);
                values = EndToEnd(values);
            }
            var (meanKeys, logLengths) = ShardScore.Stack(summaries, layer, shards[0].Heads, device);
            _layers[layer] = new LayerMemory(keys, values, padding.alias(), meanKeys, logLengths);
            _layers[layer].DetachAll();
        }
        if (attribution is not null) _probe = new AttentionProbe(attribution, shards, maxLength, device);
    }

    /// <summary>The attention mode in force.</summary>
    public CrossAttentionMode Mode { get; }

    /// <summary>Number of shards attended over.</summary>
    public int ShardCount { get; }

    /// <inheritdoc />
    /// <remarks>Exact mode without a trace: each row's softmax is its own. Sparse mode's bounded union depends on the rows
    /// of one step together, and a trace records one job's attention, so neither is shared.</remarks>
    public object? FoldKey => _probe is null && Mode.IsExactFor(ShardCount) ? this : null;

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The shards' heads or head size differ from the query's (corrupt shards, or
    /// another model's): checked here because libtorch's matmul would end the process on the mismatch.</exception>
    public Tensor Attend(int layer, Tensor query, int positions = 1)
    {
        var memory = _layers[layer];
        if (query.shape[1] != memory.Keys.shape[1] || query.shape[3] != memory.Keys.shape[3])
            throw new InvalidDataException($"The document's shards hold {memory.Keys.shape[1]} heads of size {memory.Keys.shape[3]}; the decoder attends with {query.shape[1]} of size {query.shape[3]}. The shards are corrupt or were made by another model.");
        if (_dense) return DenseAttention.Attend(query, memory.Keys, memory.Values, _allValid ? null : memory.Valid);
        var probe = layer == _layers.Length - 1 ? _probe : null;
        if (Mode.IsExactFor(ShardCount))
        {
            var (partials, lse, weights) = PartialAttention.ComputeWithWeights(query, memory.Keys, memory.Values, _allValid ? null : memory.Valid);
            probe?.Record(weights, ShardMajor(lse), null);
            return PartialAttention.Merge(partials, lse).Output;
        }

        // Attend the chosen shards through views of the stacked K/V (no copies), hiding from each row those it did not choose.
        var selection = SparseSelection.Choose(Mode, query, memory.MeanKeys, memory.LogLengths, positions);
        var chosen = selection.Union
            .Select(shard => PartialAttention.ComputeWithWeights(query, memory.Keys.narrow(0, shard, 1), memory.Values.narrow(0, shard, 1), memory.Valid.narrow(0, shard, 1)))
            .ToArray();
        var selectedLse = selection.Mask(cat(chosen.Select(p => p.LogSumExp).ToArray(), 3));
        probe?.Record(cat(chosen.Select(p => p.Weights).ToArray(), 0), ShardMajor(selectedLse), selection.Union.Select(u => (long)u).ToArray());
        return PartialAttention.Merge(cat(chosen.Select(p => p.Output).ToArray(), 3), selectedLse).Output;
    }

    /// <summary>Partials' LSE <c>[batch, heads, steps, shards]</c> as <c>[shards, heads, batch·steps]</c>, rows batch-major.</summary>
    private static Tensor ShardMajor(Tensor lse) => lse.permute(3, 1, 0, 2).reshape(lse.shape[3], lse.shape[1], lse.shape[0] * lse.shape[2]);

    /// <summary>Stacked shards <c>[shards, heads, length, headDim]</c> as one block <c>[1, heads, shards·length, headDim]</c>.</summary>
    private static Tensor EndToEnd(Tensor stacked) =>
        stacked.permute(1, 0, 2, 3).reshape(1, stacked.shape[1], stacked.shape[0] * stacked.shape[2], stacked.shape[3]).contiguous();

    private static Tensor Pad(Tensor t, long length) =>
        t.shape[1] == length ? t : nn.functional.pad(t, [0, 0, 0, length - t.shape[1]]);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var layer in _layers) layer.Dispose();
        _probe?.Dispose();
    }

    private sealed record LayerMemory(Tensor Keys, Tensor Values, Tensor Valid, Tensor MeanKeys, Tensor LogLengths) : IDisposable
    {
        public void DetachAll()
        {
            Keys.DetachFromDisposeScope();
            Values.DetachFromDisposeScope();
            Valid.DetachFromDisposeScope();
            MeanKeys.DetachFromDisposeScope();
            LogLengths.DetachFromDisposeScope();
        }

        public void Dispose()
        {
            Keys.Dispose();
            Values.Dispose();
            Valid.Dispose();
            MeanKeys.Dispose();
            LogLengths.Dispose();
        }
    }
}
