using Microsoft.Extensions.Logging;
using Summarizer.Contracts;
using Summarizer.Model.Attention;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// A document's shards as shard grains on any silo (<see cref="IShardPartialSource"/> for
/// <see cref="ScatteredCrossAttention"/>): a layer's queries go to every selected shard grain in parallel. A call lost
/// with its silo is made again (<see cref="RetryPolicy"/>): partials are pure functions of query and shard, and the shard
/// grain reactivates on a surviving silo and reloads its shard. Counts round trips and bytes moved for the statistics.
/// Called from the decoding thread, which may block on the calls (it is not an Orleans scheduler thread).
/// </summary>
public sealed class ShardGrainPartials(IReadOnlyList<IShardGrain> shards, TimeSpan outageLimit, ILogger logger) : IShardPartialSource
{
    private long _roundTrips, _bytes;

    /// <summary>Shard-grain calls made so far.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Bytes of queries sent and partials received so far.</summary>
    public long BytesMoved => Interlocked.Read(ref _bytes);

    /// <inheritdoc />
    public IReadOnlyList<ShardPartial> Attend(int layer, IReadOnlyList<int> selected, QueryRows queries)
    {
        var batch = ShardPartials.ToBatch(queries);
        var partials = Task.WhenAll(selected.Select(s => RetryPolicy.CallAsync(() => shards[s].AttendAsync(layer, batch), logger: logger,
            what: "Partial attention", outageLimit: outageLimit))).GetAwaiter().GetResult();
        Interlocked.Add(ref _roundTrips, selected.Count);
        Interlocked.Add(ref _bytes, selected.Count * (batch.Values.Length * 4L) + partials.Sum(p => (p.Output.Length + p.LogSumExp.Length) * 4L));
        return partials.Select(ShardPartials.ToPartial).ToArray();
    }
}
