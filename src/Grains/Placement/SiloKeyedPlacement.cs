using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Summarizer.Grains.Placement;

/// <summary>
/// Places a grain on the silo its key names (the silo address's parsable form): per-silo grains such as
/// diagnostics, one activation on each silo, reachable from anywhere.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class SiloKeyedPlacement : PlacementStrategy
{
    /// <summary>The key of <paramref name="silo"/>'s grain; the one place this key format is built.</summary>
    public static string KeyOf(SiloAddress silo) => silo.ToParsableString();

    /// <summary>The silo a key built by <see cref="KeyOf"/> names; the one place it is parsed.</summary>
    public static SiloAddress SiloOf(string key) => SiloAddress.FromParsableString(key);
}

/// <summary>Marks a grain class for <see cref="SiloKeyedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(new SiloKeyedPlacement());

/// <summary>Chooses the silo named by the grain's key, if it is an active, compatible silo.</summary>
public sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    /// <inheritdoc />
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        var silo = SiloKeyedPlacement.SiloOf(key);
        if (!context.GetCompatibleSilos(target).Contains(silo))
            throw new OrleansException($"Silo {key} named by grain {target.GrainIdentity} is not an active silo that can host it.");
        return Task.FromResult(silo);
    }
}
