namespace Summarizer.Grains.Placement;

/// <summary>
/// Silo roles (<c>Summarizer:Role</c>), published as the Orleans silo metadata entry <see cref="MetadataKey"/> so that
/// placement can see which silos may run the encoder.
/// </summary>
public static class SiloRoles
{
    /// <summary>Silo metadata key holding the role.</summary>
    public const string MetadataKey = "summarizer-role";

    /// <summary>Runs every grain (the default; a CPU-only cluster is all <c>all</c> silos).</summary>
    public const string All = "all";

    /// <summary>A GPU silo: document (encoder) grains go only to <c>all</c> and <c>encoder</c> silos.</summary>
    public const string Encoder = "encoder";

    /// <summary>Runs summary (decoder) grains and serves shards, but never encodes documents.</summary>
    public const string Decoder = "decoder";

    /// <summary>Whether a silo of <paramref name="role"/> may host document grains.</summary>
    public static bool CanEncode(string? role) => role is All or Encoder;

    /// <summary>Whether <paramref name="role"/> is a known role.</summary>
    public static bool IsKnown(string? role) => role is All or Encoder or Decoder;
}
