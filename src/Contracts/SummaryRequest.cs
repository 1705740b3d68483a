namespace Summarizer.Contracts;

/// <summary>A document to summarize, for a tenant, with options.</summary>
[GenerateSerializer, Immutable, Alias("summarizer.SummaryRequest")]
public sealed record SummaryRequest(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Text,
    [property: Id(2)] SummaryRequestOptions Options);
