using Microsoft.Extensions.Logging;
using Summarizer.Contracts;
using Summarizer.Model.Attention;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// A document's shards as shard grains on any silo (<see cref="IShardPartialSource"/> for
/// <see cref="ScatteredCrossAttention"/>): a layer's queries go, in parallel, to one shard grain per silo holding
/// selected shards, which answers for all of them (<see cref="IShardGrain.AttendGroupAsync"/>) with one partial already
/// merged on that silo. A step thus costs silos × layers calls, not shards × layers. A call lost with its silo is made
/// again (<see cref="RetryPolicy"/>): partials are pure functions of queries and shards, and shard grains reactivate on
/// surviving silos (answering for siblings that moved by grain calls of their own). Counts round trips and bytes moved
/// for the statistics. Called from the decoding thread, which may block on the calls (it is not an Orleans thread).
/// </summary>
public sealed class ShardGrainPartials : IShardPartialSource
{
    private readonly IReadOnlyList<IShardGrain> _shards;
    private readonly string[] _silos;
    private readonly TimeSpan _outageLimit;
    private readonly ILogger _logger;
    private long _roundTrips, _bytes;

    /// <summary>Takes the document's shard grains and the silo holding each (document order), as placement reported them.</summary>
    public ShardGrainPartials(IReadOnlyList<IShardGrain> shards, IReadOnlyList<string> silos, TimeSpan outageLimit, ILogger logger)
    {
        if (shards.Count != silos.Count) throw new ArgumentException("One silo per shard.", nameof(silos));
        _shards = shards;
        _silos = silos.ToArray();
        _outageLimit = outageLimit;
        _logger = logger;
    }

    /// <summary>Shard-grain calls made so far.</summary>
    public long RoundTrips => Interlocked.Read(ref _roundTrips);

    /// <summary>Bytes of queries sent and partials received so far.</summary>
    public long BytesMoved => Interlocked.Read(ref _bytes);

    /// <inheritdoc />
    public IReadOnlyList<ShardPartial> Attend(int layer, SparseSelection selection, QueryRows queries)
    {
        var batch = ShardPartials.ToBatch(queries);
        var groups = selection.Union.GroupBy(s => _silos[s]).Select(g => g.ToArray()).ToArray();
        var partials = Task.WhenAll(groups.Select(group =>
        {
            var query = new ShardGroupQuery(group, batch, selection.HiddenAmong(group));
            return RetryPolicy.CallAsync(() => _shards[group[0]].AttendGroupAsync(layer, query), logger: _logger, what: "Partial attention",
                outageLimit: _outageLimit);
        })).GetAwaiter().GetResult();
        Interlocked.Add(ref _roundTrips, groups.Length);
        Interlocked.Add(ref _bytes, groups.Length * (batch.Values.Length * 4L) + partials.Sum(p => (p.Output.Length + p.LogSumExp.Length) * 4L)
            + groups.Sum(g => g.Length * 4L));
        return partials.Select(ShardPartials.ToPartial).ToArray();
    }
}
