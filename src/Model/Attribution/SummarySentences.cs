namespace Summarizer.Model.Attribution;

/// <summary>A sentence of the summary: its text and its character range in the summary text.</summary>
/// <param name="Text">The sentence, trimmed.</param>
/// <param name="Start">First character in the summary text.</param>
/// <param name="End">One past its last character.</param>
public readonly record struct SummarySentence(string Text, int Start, int End);

/// <summary>
/// Splits a detokenized summary into sentences: a sentence ends after <c>. ! ? …</c> (or their CJK forms), with any
/// closing quotes or brackets, where whitespace or the text's end follows; a line break always ends one.
/// </summary>
public static class SummarySentences
{
    /// <summary>The sentences of <paramref name="summary"/>, in order, each trimmed of surrounding whitespace.</summary>
    public static IReadOnlyList<SummarySentence> Split(string summary)
    {
        var sentences = new List<SummarySentence>();
        int start = 0, i = 0;
        while (i < summary.Length)
        {
            char c = summary[i];
            if (c == '\n')
            {
                Add(sentences, summary, start, i);
                start = ++i;
                continue;
            }
            if (IsTerminal(c))
            {
                int end = i + 1;
                while (end < summary.Length && IsCloser(summary[end])) end++;
                if (end == summary.Length || char.IsWhiteSpace(summary[end]) || IsCjkTerminal(c))
                {
                    Add(sentences, summary, start, end);
                    start = i = end;
                    continue;
                }
            }
            i++;
        }
        Add(sentences, summary, start, summary.Length);
        return sentences;
    }

    private static void Add(List<SummarySentence> sentences, string text, int start, int end)
    {
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        if (end > start) sentences.Add(new SummarySentence(text[start..end], start, end));
    }

    private static bool IsTerminal(char c) => c is '.' or '!' or '?' or '…' || IsCjkTerminal(c);

    private static bool IsCjkTerminal(char c) => c is '。' or '！' or '？';

    private static bool IsCloser(char c) => c is '"' or '\'' or ')' or ']' or '»' or '”' or '’' or '」' or '』' or '）';
}
