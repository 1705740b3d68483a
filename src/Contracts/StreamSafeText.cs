using System.Globalization;
using System.Text;

namespace Summarizer.Contracts;

/// <summary>
/// Unicode NFC in time linear in the text, for any text. Normalization reorders each run of combining marks by their
/// combining class, which costs the square of the run's length: one submission of a single letter followed by a few
/// hundred thousand marks took 53 s. Following the Stream-Safe Text Format (UAX #15 §13), a COMBINING GRAPHEME JOINER
/// (U+034F, a starter that changes no rendering) is inserted after every 30 consecutive marks, so no run is longer
/// and normalization is linear; real text in any script never has such runs, so it is left unchanged. Marks are
/// counted by general category (Mn, Mc, Me): every non-starter is one, so each run normalization reorders is bounded.
/// </summary>
internal static class StreamSafeText
{
    /// <summary>Marks allowed in a row before a joiner is inserted.</summary>
    public const int MaxMarksInARow = 30;

    /// <summary>COMBINING GRAPHEME JOINER.</summary>
    public const char Joiner = '\u034F';

    /// <summary>
    /// NFC of <paramref name="text"/> in its stream-safe form, repeated until neither step changes it, so that the result
    /// is its own normal form (a mark that decomposes into two can lengthen a run; the second pass cuts it).
    /// </summary>
    /// <exception cref="ArgumentException">The text holds an unpaired UTF-16 surrogate (parameter <c>text</c>).</exception>
    public static string Normalize(string text)
    {
        ThrowOnUnpairedSurrogate(text);
        for (var current = text; ;)
        {
            var normalized = Nfc(InsertJoiners(current));
            if (ReferenceEquals(normalized, current) || normalized == current) return normalized;
            current = normalized;
        }
    }

    /// <summary>Throws when <paramref name="text"/> is not well-formed UTF-16 (a surrogate without its other half).</summary>
    public static void ThrowOnUnpairedSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            throw new ArgumentException(
                $"text holds an unpaired UTF-16 surrogate (U+{(int)c:X4}) at character {i.ToString(CultureInfo.InvariantCulture)}: it is not Unicode text.", "text");
        }
    }

    private static string InsertJoiners(string text)
    {
        StringBuilder? output = null;
        int copied = 0, marks = 0;
        for (int i = 0; i < text.Length; i += char.IsHighSurrogate(text[i]) ? 2 : 1)
        {
            int codePoint = char.IsHighSurrogate(text[i]) ? char.ConvertToUtf32(text[i], text[i + 1]) : text[i];
            if (codePoint == Joiner || !IsMark(codePoint))
            {
                marks = 0;
                continue;
            }
            if (marks == MaxMarksInARow)
            {
                output ??= new StringBuilder(text.Length + text.Length / MaxMarksInARow + 1);
                output.Append(text, copied, i - copied).Append(Joiner);
                copied = i;
                marks = 0;
            }
            marks++;
        }
        return output is null ? text : output.Append(text, copied, text.Length - copied).ToString();
    }

    private static bool IsMark(int codePoint) => CharUnicodeInfo.GetUnicodeCategory(codePoint)
        is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    /// <summary>
    /// NFC. .NET refuses U+FFFE (a noncharacter, valid in interchange) as "invalid Unicode"; it is a starter that
    /// composes with nothing, so the text is normalized piece by piece around it and kept as it was.
    /// </summary>
    private static string Nfc(string text)
    {
        if (!text.Contains('\uFFFE')) return text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        return string.Join('\uFFFE', text.Split('\uFFFE').Select(Nfc));
    }
}
