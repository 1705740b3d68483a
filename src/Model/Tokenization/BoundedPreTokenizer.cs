using Microsoft.ML.Tokenizers;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// The GPT-2 pre-tokenizer with every word cut into pieces of at most <see cref="MaxWordLength"/> characters. Byte-level
/// BPE merges within a word in time that grows with the square of its length (a 32,000-letter "word" took almost a
/// second, a 16 MiB one would take hours), so bounding words bounds tokenization to linear time in the text. Words of
/// real text (and URLs, hashes) are far shorter and are tokenized exactly as Hugging Face does; only a run of more than
/// <see cref="MaxWordLength"/> letters, digits or symbols without a space is cut, never inside a surrogate pair.
/// </summary>
internal sealed class BoundedPreTokenizer : PreTokenizer
{
    /// <summary>The longest piece handed to BPE.</summary>
    public const int MaxWordLength = 256;

    private readonly RegexPreTokenizer _words = new(Gpt2PreTokenizerPattern.Regex(), null);

    /// <inheritdoc />
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        Bound(_words.PreTokenize(text), text.AsMemory());

    /// <inheritdoc />
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) =>
        Bound(_words.PreTokenize(text), text.ToString().AsMemory()).ToList();

    private static IEnumerable<(int Offset, int Length)> Bound(IEnumerable<(int Offset, int Length)> words, ReadOnlyMemory<char> text)
    {
        foreach (var (offset, length) in words)
        {
            if (length <= MaxWordLength)
            {
                yield return (offset, length);
                continue;
            }
            for (int start = offset, end = offset + length; start < end;)
            {
                int piece = Math.Min(MaxWordLength, end - start);
                // Never split a surrogate pair: a half would become two replacement bytes.
                if (start + piece < end && char.IsHighSurrogate(text.Span[start + piece - 1])) piece--;
                yield return (start, piece);
                start += piece;
            }
        }
    }
}
