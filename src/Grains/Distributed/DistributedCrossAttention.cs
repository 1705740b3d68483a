using System.Diagnostics;
using Summarizer.Contracts;
using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// Cross-attention over shards held by shard grains on any silo: each decoder layer's queries are sent to the
/// selected shards (all in exact mode, the union of each row's top-k in sparse mode) in parallel, and the partial
/// outputs are merged by log-sum-exp exactly as the local path merges them. Runs on an inference thread, which may
/// block on the grain calls (it is not an Orleans scheduler thread). Counts round trips, bytes and time.
/// </summary>
public sealed class DistributedCrossAttention : ICrossAttentionMemory, IDisposable
{
    private readonly IShardGrain[] _shards;
    private readonly CrossAttentionMode _mode;
    private readonly Tensor[] _meanKeys;   // per layer [shards, heads, headDim]
    private readonly Tensor _logLengths;   // [shards]
    private long _roundTrips, _bytes;
    private readonly Stopwatch _clock = new();

    /// <summary>Creates the memory from the shard grains (document order) and their key summaries.</summary>
    public DistributedCrossAttention(IReadOnlyList<IShardGrain> shards, IReadOnlyList<ShardKeySummary> summaries, int heads, CrossAttentionMode mode)
    {
        _shards = shards.ToArray();
        _mode = mode;
        int layers = summaries[0].MeanKeys.Count;
        int headDim = summaries[0].MeanKeys[0].Length / heads;
        _meanKeys = Enumerable.Range(0, layers)
            .Select(l => tensor(summaries.SelectMany(s => s.MeanKeys[l]).ToArray(), [summaries.Count, heads, headDim]).DetachFromDisposeScope())
            .ToArray();
        _logLengths = tensor(summaries.Select(s => s.LogLength).ToArray()).DetachFromDisposeScope();
    }

    /// <summary>Shard-grain calls made so far.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Bytes of queries sent and partials received so far.</summary>
    public long BytesMoved => Interlocked.Read(ref _bytes);

    /// <summary>Time spent in cross-attention (scatter, wait, merge).</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <inheritdoc />
    public Tensor Attend(int layer, Tensor query)
    {
        _clock.Start();
        try
        {
            int batch = (int)query.shape[0], heads = (int)query.shape[1], steps = (int)query.shape[2], dim = (int)query.shape[3];
            // Which shards each row attends; exact mode is every shard for every row.
            bool[,] selected = Select(query, layer, batch);
            var targets = Enumerable.Range(0, _shards.Length).Where(s => Enumerable.Range(0, batch).Any(b => selected[b, s])).ToArray();
            var batchQuery = new QueryBatch(batch, heads, steps, dim, query.to_type(ScalarType.Float32).cpu().contiguous().data<float>().ToArray());
            var partials = Task.WhenAll(targets.Select(s => AttendWithRetryAsync(_shards[s], layer, batchQuery))).GetAwaiter().GetResult();
            Interlocked.Add(ref _roundTrips, targets.Length);
            Interlocked.Add(ref _bytes, targets.Length * (batchQuery.Values.Length * 4L) + partials.Sum(p => (p.Output.Length + p.LogSumExp.Length) * 4L));

            var outputs = stack(partials.Select(p => tensor(p.Output, [batch, heads, steps, dim])).ToArray(), 3);    // [b,h,t,s,d]
            var lses = stack(partials.Select(p => tensor(p.LogSumExp, [batch, heads, steps])).ToArray(), 3);          // [b,h,t,s]
            if (!_mode.IsExactFor(_shards.Length))
            {
                // A row's unselected shards (fetched for another row) must not count for it.
                var mask = new bool[batch * targets.Length];
                for (int b = 0; b < batch; b++)
                    for (int j = 0; j < targets.Length; j++) mask[b * targets.Length + j] = !selected[b, targets[j]];
                lses = lses.masked_fill(tensor(mask, [batch, 1, 1, targets.Length]), Summarizer.Model.Scalars.NegativeInfinity);
            }
            return PartialAttention.Merge(outputs, lses).Output.to(query.device);
        }
        finally
        {
            _clock.Stop();
        }
    }

    /// <summary>Shard calls repeated after a failure (a silo died and the shard reactivated elsewhere).</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>How long a shard may stay unreachable before decoding gives up.</summary>
    public static TimeSpan ShardOutageLimit { get; set; } = TimeSpan.FromSeconds(120);

    private long _retries;

    /// <summary>
    /// Partial results are pure functions of the query and the shard, so a call lost with its silo is simply asked
    /// again: the grain reactivates on a surviving silo and reloads the shard from Redis (or its document's silo).
    /// </summary>
    private async Task<PartialAttentionResult> AttendWithRetryAsync(IShardGrain shard, int layer, QueryBatch queries)
    {
        var deadline = DateTime.UtcNow + ShardOutageLimit;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await shard.AttendAsync(layer, queries);
            }
            catch (Exception e) when (e is not ArgumentException && DateTime.UtcNow < deadline)
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 200 * attempt)));
            }
        }
    }

    private bool[,] Select(Tensor query, int layer, int batch)
    {
        var selected = new bool[batch, _shards.Length];
        if (_mode.IsExactFor(_shards.Length))
        {
            for (int b = 0; b < batch; b++) for (int s = 0; s < _shards.Length; s++) selected[b, s] = true;
            return selected;
        }
        using var scope = NewDisposeScope();
        var scores = ShardScore.Compute(query.to_type(ScalarType.Float32).cpu(), _meanKeys[layer], _logLengths);
        var chosen = scores.topk(_mode.TopK!.Value, dim: 1).indexes.contiguous().data<long>().ToArray();
        int k = _mode.TopK.Value;
        for (int b = 0; b < batch; b++) for (int j = 0; j < k; j++) selected[b, chosen[b * k + j]] = true;
        return selected;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _meanKeys) t.Dispose();
        _logLengths.Dispose();
    }
}
