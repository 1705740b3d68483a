namespace Summarizer.Contracts;

/// <summary>The manifest after a document grain call, and the encoder runs that call itself caused.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.EncodeOutcome")]
public sealed record EncodeOutcome(
    [property: Id(0)] DocumentManifest Manifest,
    [property: Id(1)] long EncoderRuns);
