using Summarizer.Model.Attention;
using Summarizer.Model.KvCache;

namespace Summarizer.Model.Tests.Attention;

/// <summary>
/// Shards held in groups, as silos hold them: each group answers a layer's queries with one partial
/// (<see cref="RemotePartials.ComputeGroup"/>, what a shard grain computes for its silo), and counts its calls.
/// </summary>
internal sealed class GroupedShardSource(IReadOnlyList<KvShard> shards, int[] groupOf) : IShardPartialSource
{
    /// <summary>Calls made at each layer pass, in order.</summary>
    public List<int> CallsPerPass { get; } = [];

    public IReadOnlyList<ShardPartial> Attend(int layer, SparseSelection selection, QueryRows queries)
    {
        var groups = selection.Union.GroupBy(s => groupOf[s]).Select(g => g.ToArray()).ToArray();
        CallsPerPass.Add(groups.Length);
        return groups.Select(g => RemotePartials.ComputeGroup(g.Select(s => shards[s].Layers[layer]).ToArray(),
            [new GroupRows(queries, selection.HiddenAmong(g))])[0]).ToArray();
    }
}
