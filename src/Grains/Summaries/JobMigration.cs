using Microsoft.Extensions.Logging;
using Orleans.Runtime.Placement;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// Moving a job's decoder next to its document (<c>Summarizer:PreferDocumentSilo</c>), at most once per job so two
/// silos can never pass it back and forth: to the silo holding the most of its shards, by Orleans live migration with a
/// placement hint. The new activation learns it arrived by migration from the dehydration context and resumes at once.
/// </summary>
internal sealed class JobMigration(bool enabled, ILogger logger)
{
    /// <summary>The dehydration context key marking a migrated activation.</summary>
    public const string ContextKey = "summarizer.migrated";

    /// <summary>Whether this activation arrived by migration.</summary>
    public bool Arrived { get; set; }

    /// <summary>Whether this activation is moving away.</summary>
    public bool Leaving { get; private set; }

    /// <summary>
    /// The silo to move to: the one holding the most of the document's shards, when that is not this one and the job
    /// has not moved before; otherwise null.
    /// </summary>
    public SiloAddress? Target(IReadOnlyDictionary<SiloAddress, int> shardsBySilo, SiloAddress here, int migrationsSoFar)
    {
        if (!enabled || migrationsSoFar > 0 || shardsBySilo.Count == 0) return null;
        int mine = shardsBySilo.GetValueOrDefault(here);
        var (best, most) = shardsBySilo.OrderByDescending(p => p.Value).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal).Select(p => (p.Key, p.Value)).First();
        if (most <= mine) return null;
        logger.LogInformation("Moving a job to {Silo}, which holds {Most} of its shards ({Here} here).", best, most, mine);
        return best;
    }

    /// <summary>
    /// Asks Orleans to move <paramref name="grain"/> to <paramref name="target"/> once it is idle (its watchers released);
    /// the caller has persisted the job first.
    /// </summary>
    public void Start(Grain grain, SiloAddress target)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
        grain.MigrateOnIdle();
        RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        Leaving = true;
    }
}
