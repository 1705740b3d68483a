using System.Text;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Hugging Face's <c>clean_up_tokenization</c>: removes the spaces that word-splitting tokenizers
/// leave before punctuation and English contractions.
/// </summary>
internal static class TokenizationSpaceCleanup
{
    private static readonly (string From, string To)[] Replacements =
    [
        (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"),
        (" n't", "n't"), (" 'm", "'m"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
    ];

    public static string Apply(string text)
    {
        // Sequential replacement, in Hugging Face's order, so results match it exactly.
        var builder = new StringBuilder(text);
        foreach (var (from, to) in Replacements)
        {
            builder.Replace(from, to);
        }

        return builder.ToString();
    }
}
