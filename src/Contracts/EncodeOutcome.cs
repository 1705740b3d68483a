using Orleans.Runtime;

namespace Summarizer.Contracts;

/// <summary>
/// The manifest after a document grain call, the encoder runs that call itself caused, and the silo of the document
/// grain that answered: the one holding the freshly encoded shards in memory.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.EncodeOutcome")]
public sealed record EncodeOutcome(
    [property: Id(0)] DocumentManifest Manifest,
    [property: Id(1)] long EncoderRuns,
    [property: Id(2)] SiloAddress? Silo = null);

/// <summary>
/// The manifest after re-encoding lost shards, the encoder runs that took, and the re-encoded shards serialized,
/// so the caller holds them even if the document grain's silo has to evict them again at once.
/// </summary>
[GenerateSerializer, Immutable, Alias("summarizer.RepairOutcome")]
public sealed record RepairOutcome(
    [property: Id(0)] DocumentManifest Manifest,
    [property: Id(1)] long EncoderRuns,
    [property: Id(2)] IReadOnlyList<int> Indices,
    [property: Id(3)] IReadOnlyList<byte[]> Shards);
