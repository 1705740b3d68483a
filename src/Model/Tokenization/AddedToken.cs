namespace Summarizer.Model.Tokenization;

/// <summary>
/// A token matched verbatim in the input before BPE runs (Hugging Face "added token"), such as
/// <c>&lt;s&gt;</c> or <c>&lt;mask&gt;</c>.
/// </summary>
/// <param name="Content">The exact text that is matched.</param>
/// <param name="Id">The id the match encodes to.</param>
/// <param name="IsSpecial">Whether decoding with <c>skipSpecialTokens</c> drops it.</param>
/// <param name="StripLeft">Whether whitespace just before a match is absorbed into it (BART's <c>&lt;mask&gt;</c>).</param>
/// <param name="StripRight">Whether whitespace just after a match is absorbed into it.</param>
public sealed record AddedToken(string Content, int Id, bool IsSpecial, bool StripLeft = false, bool StripRight = false);
