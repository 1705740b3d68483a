using Orleans.Concurrency;

namespace Summarizer.Contracts;

/// <summary>
/// One grain per document, keyed by <see cref="DocumentKeys.For"/>: tokenizes, shards and encodes the document once,
/// stores every shard in the K/V store and persists the manifest. Calls are idempotent: a document already encoded
/// (or being encoded) is never encoded again.
/// </summary>
[Alias("summarizer.IDocumentGrain")]
public interface IDocumentGrain : IGrainWithStringKey
{
    /// <summary>Encodes the document unless its shards are already stored; returns the manifest once they are.</summary>
    [Alias("EnsureEncoded")]
    Task<DocumentManifest> EnsureEncodedAsync(DocumentSource source);

    /// <summary>Re-encodes shards missing from the store (for example evicted from memory with no Redis behind it).</summary>
    [Alias("Repair")]
    Task<DocumentManifest> RepairAsync(IReadOnlyList<int> missingShards);

    /// <summary>Encoding progress, answered even while encoding runs.</summary>
    [AlwaysInterleave, Alias("GetProgress")]
    Task<EncodingProgress> GetProgressAsync();

    /// <summary>The persisted manifest.</summary>
    [AlwaysInterleave, Alias("GetManifest")]
    Task<DocumentManifest> GetManifestAsync();
}
