namespace Summarizer.Model.Tokenization;

/// <summary>One record of the long-docs corpus: a document and the summary its authors wrote.</summary>
/// <param name="Id">Stable identifier, e.g. "qmsum/Bed002".</param>
/// <param name="Source">Origin collection ("qmsum", RFCs, PEPs, KEPs...).</param>
/// <param name="Split">"dev" or "train".</param>
/// <param name="Words">Word count of <paramref name="Document"/> as recorded in the file.</param>
/// <param name="Document">The text to summarize.</param>
/// <param name="Summary">The human reference summary.</param>
public sealed record LongDocument(string Id, string Source, string Split, int Words, string Document, string Summary);
