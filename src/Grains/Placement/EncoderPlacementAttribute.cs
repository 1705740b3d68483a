using Orleans.Placement;

namespace Summarizer.Grains.Placement;

/// <summary>Places the grain only on silos whose <c>Summarizer:Role</c> can encode (<c>all</c> or <c>encoder</c>).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class EncoderPlacementAttribute() : PlacementFilterAttribute(new EncoderPlacementFilterStrategy());
