using Summarizer.Contracts;

namespace Summarizer.Grains.Documents;

/// <summary>What a document grain persists about its document: the manifest, small and rewritten as encoding goes on.</summary>
[GenerateSerializer, Alias("summarizer.DocumentState")]
public sealed class DocumentState
{
    /// <summary>The manifest.</summary>
    [Id(0)] public DocumentManifest Manifest { get; set; } = new();
}

/// <summary>
/// The document's normalized text, kept apart from the manifest so that it is written once, not with every manifest
/// change: re-encoding lost shards needs it.
/// </summary>
[GenerateSerializer, Alias("summarizer.DocumentText")]
public sealed class DocumentText
{
    /// <summary>The normalized text.</summary>
    [Id(0)] public string? Text { get; set; }
}
