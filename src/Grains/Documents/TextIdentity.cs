using Summarizer.Contracts;

namespace Summarizer.Grains.Documents;

/// <summary>
/// A submitted text's normalized form and content hash, computed on the thread pool: normalizing a long or hostile
/// text (runs of combining marks) takes real time, which must not hold a grain's turn on the Orleans scheduler.
/// </summary>
public static class TextIdentity
{
    /// <summary>The normalized text (<see cref="DocumentKeys.Normalize"/>) and its SHA-256.</summary>
    public static Task<(string Normalized, string ContentHash)> ComputeAsync(string text, CancellationToken cancellationToken = default) =>
        Task.Run(() =>
        {
            var normalized = DocumentKeys.Normalize(text);
            return (normalized, DocumentKeys.ContentHash(normalized));
        }, cancellationToken);
}
