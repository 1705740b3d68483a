using Orleans.Placement;

namespace Summarizer.Grains.Placement;

/// <summary>
/// Placement filter that keeps only silos whose role can encode (see <see cref="SiloRoles.CanEncode"/>); applied by
/// <see cref="EncoderPlacementFilterDirector"/>. It has no parameters, so nothing beyond the base grain properties is
/// written to the grain manifest.
/// </summary>
public sealed class EncoderPlacementFilterStrategy : PlacementFilterStrategy
{
    /// <summary>Created by Orleans when it reads the grain manifest (and by the attribute).</summary>
    public EncoderPlacementFilterStrategy() : base(0)
    {
    }
}
