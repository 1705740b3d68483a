namespace Summarizer.Contracts;

/// <summary>The one format of job ids: 32 lowercase hex digits (a GUID without dashes).</summary>
public static class JobIds
{
    /// <summary>A new job id.</summary>
    public static string New() => Guid.NewGuid().ToString("N");

    /// <summary>Whether <paramref name="id"/> has the form of a job id (so a lookup of anything else touches no grain).</summary>
    public static bool IsValid(string? id) =>
        id is { Length: 32 } && Guid.TryParseExact(id, "N", out var guid) && string.Equals(guid.ToString("N"), id, StringComparison.Ordinal);
}
