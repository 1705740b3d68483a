using System.Text.RegularExpressions;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// The GPT-2 pre-tokenization regex shared by encoding and training, so that the trainer learns
/// merges over exactly the word pieces the encoder will later see.
/// </summary>
internal static partial class Gpt2PreTokenizerPattern
{
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    public static partial Regex Regex();
}
