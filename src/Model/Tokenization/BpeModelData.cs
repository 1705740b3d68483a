namespace Summarizer.Model.Tokenization;

/// <summary>Everything read from a tokenizer directory, before a tokenizer is built from it.</summary>
/// <param name="Vocabulary">BPE vocabulary: byte-level token string to id.</param>
/// <param name="Merges">Merge rules in rank order, each "left right".</param>
/// <param name="AddedTokens">Tokens matched verbatim before BPE, with their ids.</param>
/// <param name="SpecialTokenNames">Which strings play the BART special roles.</param>
internal sealed record BpeModelData(
    IReadOnlyDictionary<string, int> Vocabulary,
    IReadOnlyList<string> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    BartSpecialTokenNames SpecialTokenNames);
