using System.Text;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>
/// The part of SentencePiece's <c>nmt_nfkc</c> normalization that Microsoft.ML.Tokenizers 2.0 misses with the model's
/// precompiled character map alone (control characters such as BEL stayed in): NFKC, line breaks, tabs and other
/// whitespace controls as spaces, other control characters removed. The library then applies the map, collapses
/// whitespace and escapes it as ▁. Measured equal to
/// <c>spm_encode</c> on the long-document set and on ligatures, full-width, fractions, NBSP, zero-width and BOM
/// (tests/Model/Tokenization/SentencePieceTokenizerTests).
/// </summary>
internal static class SentencePieceTextNormalizer
{
    public static string Apply(string text)
    {
        var nfkc = text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        StringBuilder? builder = null;
        for (int i = 0; i < nfkc.Length; i++)
        {
            char c = nfkc[i];
            bool space = c is '\t' or '\n' or '\r' or '\f' or '\v';
            bool drop = !space && char.IsControl(c);
            if (!space && !drop)
            {
                builder?.Append(c);
                continue;
            }
            builder ??= new StringBuilder(nfkc, 0, i, nfkc.Length);
            if (space) builder.Append(' ');
        }
        return builder?.ToString() ?? nfkc;
    }
}
