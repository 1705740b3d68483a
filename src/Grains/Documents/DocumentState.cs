using Summarizer.Contracts;

namespace Summarizer.Grains.Documents;

/// <summary>What a document grain persists: its manifest and the normalized text (to re-encode lost shards).</summary>
[GenerateSerializer, Alias("summarizer.DocumentState")]
public sealed class DocumentState
{
    /// <summary>The manifest.</summary>
    [Id(0)] public DocumentManifest Manifest { get; set; } = new();

    /// <summary>The normalized document text.</summary>
    [Id(1)] public string? Text { get; set; }
}
