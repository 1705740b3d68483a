using System.Text.RegularExpressions;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Cuts text into runs of ordinary text and whole added tokens, so special tokens such as
/// <c>&lt;/s&gt;</c> typed in the input become their single id instead of being split by BPE.
/// </summary>
internal sealed class AddedTokenSplitter
{
    private readonly Regex? matcher;
    private readonly Dictionary<string, AddedToken> tokensByContent;

    public AddedTokenSplitter(IEnumerable<AddedToken> addedTokens)
    {
        tokensByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var token in addedTokens.Where(t => t.Content.Length > 0))
        {
            tokensByContent[token.Content] = token;
        }

        if (tokensByContent.Count > 0)
        {
            // Longest first so that a token which is a prefix of another never wins the match.
            var alternatives = tokensByContent.Keys
                .OrderByDescending(content => content.Length)
                .ThenBy(content => content, StringComparer.Ordinal)
                .Select(Regex.Escape);
            matcher = new Regex(string.Join("|", alternatives), RegexOptions.CultureInvariant);
        }
    }

    /// <summary>A slice of the input: either plain text for BPE or one added token.</summary>
    public readonly record struct Segment(int Start, int Length, AddedToken? Token);

    public List<Segment> Split(string text)
    {
        var segments = new List<Segment>();
        int plainStart = 0;
        var match = matcher?.Match(text);
        while (match is { Success: true })
        {
            var token = tokensByContent[match.Value];
            int start = match.Index;
            int end = match.Index + match.Length;
            if (token.StripLeft)
            {
                while (start > plainStart && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }

            if (token.StripRight)
            {
                while (end < text.Length && char.IsWhiteSpace(text[end]))
                {
                    end++;
                }
            }

            if (start > plainStart)
            {
                segments.Add(new Segment(plainStart, start - plainStart, null));
            }

            segments.Add(new Segment(start, end - start, token));
            plainStart = end;
            match = matcher!.Match(text, end);
        }

        if (plainStart < text.Length)
        {
            segments.Add(new Segment(plainStart, text.Length - plainStart, null));
        }

        return segments;
    }
}
