namespace Summarizer.Grains.Placement;

/// <summary>A silo's role (<c>Summarizer:Role</c>): which grains it may host.</summary>
public enum SiloRole
{
    /// <summary>Runs every grain (the default; a CPU-only cluster is all <c>all</c> silos).</summary>
    All = 0,

    /// <summary>A GPU silo: document (encoder) grains go only to <c>all</c> and <c>encoder</c> silos.</summary>
    Encoder = 1,

    /// <summary>Runs summary (decoder) grains and serves shards, but never encodes documents.</summary>
    Decoder = 2,
}

/// <summary>
/// The one owner of how a <see cref="SiloRole"/> travels: published as the Orleans silo metadata entry
/// <see cref="MetadataKey"/> (lowercase), so that placement can see which silos may run the encoder.
/// </summary>
public static class SiloRoles
{
    /// <summary>Silo metadata key holding the role.</summary>
    public const string MetadataKey = "summarizer-role";

    /// <summary>The metadata value of <paramref name="role"/>.</summary>
    public static string ToMetadata(SiloRole role) => role.ToString().ToLowerInvariant();

    /// <summary>The role a metadata value names, or null when it names none (a silo whose metadata is not known yet).</summary>
    public static SiloRole? FromMetadata(string? value) =>
        Enum.TryParse<SiloRole>(value, ignoreCase: true, out var role) && Enum.IsDefined(role) && !int.TryParse(value, out _) ? role : null;

    /// <summary>Whether a silo of <paramref name="role"/> may host document grains.</summary>
    public static bool CanEncode(SiloRole? role) => role is SiloRole.All or SiloRole.Encoder;
}
