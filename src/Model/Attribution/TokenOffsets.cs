using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Attribution;

/// <summary>
/// Character ranges of a document's content tokens in the text they were encoded from. The tokenizer's streaming
/// decoder gives each token's text; that text is aligned to the source, skipping whitespace (SentencePiece collapses
/// and re-adds it) and characters the tokenizer changed (unknown pieces, its own normalization), so each token covers
/// the source characters it was made from. A token that completes no character yet (part of a multi-byte character)
/// shares the range of the token that completes it.
/// </summary>
public static class TokenOffsets
{
    private const int Lookahead = 32;   // how far a decoded character may be found ahead of the cursor

    /// <summary>Ranges <c>[Start, End)</c> in <paramref name="text"/>, one per token of <paramref name="contentTokens"/>.</summary>
    public static (int Start, int End)[] Align(ITextTokenizer tokenizer, string text, IReadOnlyList<int> contentTokens)
    {
        var ranges = new (int Start, int End)[contentTokens.Count];
        var decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
        int cursor = 0, pendingFrom = 0;
        for (int t = 0; t < contentTokens.Count; t++)
        {
            var piece = decoder.Append(contentTokens[t]);
            if (t == contentTokens.Count - 1) piece += decoder.Flush();
            if (piece.Length == 0) continue;   // pending: gets the range of the token that completes its text
            int start = -1, end = cursor;
            foreach (char c in piece)
            {
                if (char.IsWhiteSpace(c)) continue;
                int found = Find(text, c, cursor);
                if (found < 0) continue;
                if (start < 0) start = found;
                cursor = end = found + 1;
            }
            var range = start < 0 ? (cursor, cursor) : (start, end);
            for (int p = pendingFrom; p <= t; p++) ranges[p] = range;
            pendingFrom = t + 1;
        }
        for (int p = pendingFrom; p < ranges.Length; p++) ranges[p] = (cursor, cursor);
        return ranges;
    }

    private static int Find(string text, char c, int from)
    {
        int limit = Math.Min(text.Length, from + Lookahead);
        for (int i = from; i < limit; i++) if (text[i] == c) return i;
        return -1;
    }
}
