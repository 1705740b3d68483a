using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Summarizer.Grains.Placement;

/// <summary>
/// Filters placement candidates to silos whose published role can encode. A silo whose metadata this silo has not
/// fetched yet (the cache fills asynchronously after a membership change) has no role: such silos are kept only when no
/// silo is known to be able to encode, so a freshly started cluster still places documents instead of failing, while a
/// settled mixed cluster never puts the encoder on a decoder silo.
/// </summary>
public sealed class EncoderPlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    /// <inheritdoc />
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var encoders = new List<SiloAddress>();
        var unknown = new List<SiloAddress>();
        foreach (var silo in silos)
        {
            metadata.GetSiloMetadata(silo).Metadata.TryGetValue(SiloRoles.MetadataKey, out var value);
            var role = SiloRoles.FromMetadata(value);
            if (SiloRoles.CanEncode(role)) encoders.Add(silo);
            else if (role is null) unknown.Add(silo);
        }
        return encoders.Count > 0 ? encoders : unknown;
    }
}
