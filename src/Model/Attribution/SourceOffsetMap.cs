using System.Globalization;
using System.Text;

namespace Summarizer.Model.Attribution;

/// <summary>
/// Maps character offsets in a document's normalized text (NFC, CRLF and CR to LF, trimmed: what the service stores
/// and tokenizes) back to its original text, so attribution points at the characters the user sent. The text is cut
/// into normalization segments — a starter and the combining marks (or Hangul jamo) after it — which NFC never merges
/// across; a segment that NFC leaves alone maps character by character, one that it changes maps as a whole.
/// </summary>
public sealed class SourceOffsetMap
{
    private readonly int[] _starts;   // per normalized char: first original char it came from
    private readonly int[] _ends;     // per normalized char: one past the last original char it came from

    private SourceOffsetMap(string original, string normalized, int[] starts, int[] ends)
    {
        Original = original;
        Normalized = normalized;
        _starts = starts;
        _ends = ends;
    }

    /// <summary>The text as sent.</summary>
    public string Original { get; }

    /// <summary>The text as normalized: equal to <c>DocumentKeys.Normalize(Original)</c>.</summary>
    public string Normalized { get; }

    /// <summary>
    /// Builds the map of <paramref name="original"/> (valid UTF-16, as normalization requires). <paramref name="nfc"/> is
    /// the service's NFC (its stream-safe form: <c>DocumentKeys</c>' normalizer less line ends and trimming); null is
    /// .NET's plain NFC. It is applied per segment, and once to the whole text to check the segmentation.
    /// </summary>
    public static SourceOffsetMap Build(string original, Func<string, string>? nfc = null)
    {
        nfc ??= text => text.Normalize(NormalizationForm.FormC);
        var text = new StringBuilder(original.Length);
        var starts = new List<int>(original.Length);
        var ends = new List<int>(original.Length);
        void Emit(char c, int start, int end)
        {
            text.Append(c);
            starts.Add(start);
            ends.Add(end);
        }

        int i = 0;
        while (i < original.Length)
        {
            char c = original[i];
            if (c == '\r')
            {
                int end = i + 1 < original.Length && original[i + 1] == '\n' ? i + 2 : i + 1;
                Emit('\n', i, end);
                i = end;
                continue;
            }
            int j = i + Width(original, i);
            while (j < original.Length && !IsSegmentStart(original, j)) j += Width(original, j);
            var segment = original.AsSpan(i, j - i);
            var normalized = segment.Length == 1 && c < '\u0300' ? segment.ToString() : nfc(segment.ToString());
            bool unchanged = segment.SequenceEqual(normalized);
            for (int k = 0; k < normalized.Length; k++)
            {
                // A surrogate pair maps as one character: an offset never falls between its halves.
                int from = unchanged ? (char.IsLowSurrogate(normalized[k]) && k > 0 ? i + k - 1 : i + k) : i;
                int to = unchanged ? (char.IsHighSurrogate(normalized[k]) ? i + k + 2 : i + k + 1) : j;
                Emit(normalized[k], from, to);
            }
            i = j;
        }

        var all = text.ToString();
        int first = 0, last = all.Length;
        while (first < last && char.IsWhiteSpace(all[first])) first++;
        while (last > first && char.IsWhiteSpace(all[last - 1])) last--;
        var map = new SourceOffsetMap(original, all[first..last], starts.GetRange(first, last - first).ToArray(), ends.GetRange(first, last - first).ToArray());
        // The segmentation must reproduce whole-text normalization; if some text defeats it, fall back to one segment
        // (offsets then cover the whole original: coarse, never wrong).
        var expected = nfc(original).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n').Trim();
        return map.Normalized == expected ? map : Coarse(original, expected);
    }

    /// <summary>
    /// The original range <c>[Start, End)</c> of normalized range <c>[start, end)</c>; an empty range maps to an empty
    /// range at the corresponding original position.
    /// </summary>
    public (int Start, int End) ToOriginal(int start, int end)
    {
        if (start < 0 || end < start || end > Normalized.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {end}) is not within the normalized text of {Normalized.Length} characters.");
        if (start == end)
        {
            int at = start < _starts.Length ? _starts[start] : _ends.Length > 0 ? _ends[^1] : 0;
            return (at, at);
        }
        return (_starts[start], _ends[end - 1]);
    }

    /// <summary>Whether a normalization segment may start at <paramref name="index"/>: not a mark, jamo vowel/trailer or low surrogate.</summary>
    private static bool IsSegmentStart(string text, int index)
    {
        char c = text[index];
        if (c < '\u0300') return true;
        if (char.IsLowSurrogate(c)) return false;
        if (c is >= '\u1161' and <= '\u1175' or >= '\u11A8' and <= '\u11C2') return false;   // compose with a preceding L or LV
        var category = CharUnicodeInfo.GetUnicodeCategory(text, index);
        return category is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark);
    }

    private static int Width(string text, int index) => char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) ? 2 : 1;

    private static SourceOffsetMap Coarse(string original, string normalized) =>
        new(original, normalized, new int[normalized.Length], Enumerable.Repeat(original.Length, normalized.Length).ToArray());
}
