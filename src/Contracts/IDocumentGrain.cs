using Orleans.Concurrency;

namespace Summarizer.Contracts;

/// <summary>
/// One grain per document, keyed by its <see cref="DocumentKey"/>: tokenizes, shards and encodes the document once,
/// stores every shard in the K/V store and persists the manifest. Calls are idempotent: a document already encoded
/// (or being encoded) is never encoded again.
/// </summary>
[Alias("summarizer.IDocumentGrain")]
public interface IDocumentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Encodes the document unless its shards are already stored; returns the manifest once they are, with the
    /// encoder runs this call caused (0 when the document was already encoded, or encoded by a concurrent call).
    /// </summary>
    [Alias("EnsureEncoded")]
    Task<EncodeOutcome> EnsureEncodedAsync(DocumentSource source);

    /// <summary>
    /// Re-encodes shards missing from every store (for example evicted from memory with no Redis behind it), stores
    /// them again and returns them serialized. Callers ask for a few shards at a time to bound message size.
    /// </summary>
    [Alias("Repair")]
    Task<RepairOutcome> RepairAsync(IReadOnlyList<int> missingShards);

    /// <summary>
    /// Serialized shards as this grain's silo holds them (memory, else the durable store), for a decoder on another
    /// silo to load; null for a shard found nowhere. Callers ask for a few shards at a time to bound message size.
    /// </summary>
    [AlwaysInterleave, Alias("ExportShards")]
    Task<IReadOnlyList<byte[]?>> ExportShardsAsync(IReadOnlyList<int> indices);

    /// <summary>Encoding progress, answered even while encoding runs.</summary>
    [AlwaysInterleave, Alias("GetProgress")]
    Task<EncodingProgress> GetProgressAsync();

    /// <summary>The persisted manifest.</summary>
    [AlwaysInterleave, Alias("GetManifest")]
    Task<DocumentManifest> GetManifestAsync();
}
