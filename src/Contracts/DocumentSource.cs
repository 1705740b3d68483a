namespace Summarizer.Contracts;

/// <summary>The text of a document and how to cut it, as handed to its document grain.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.DocumentSource")]
public sealed record DocumentSource(
    [property: Id(0)] string Text,
    [property: Id(1)] int? ShardLength,
    [property: Id(2)] int? ShardOverlap);
