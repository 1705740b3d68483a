using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

/// <summary>
/// Words are cut into pieces of at most <see cref="BoundedPreTokenizer.MaxWordLength"/> characters before BPE, so
/// tokenization is linear in the text; words of ordinary length are untouched.
/// </summary>
public sealed class BoundedPreTokenizerTests(TrainedTokenizerFixture trained) : IClassFixture<TrainedTokenizerFixture>
{
    [Fact]
    public void AWordLongerThanTheBoundIsCutIntoContiguousPiecesNoLongerThanIt()
    {
        var word = string.Concat(Enumerable.Range(0, 100_000).Select(i => (char)('a' + i * 7919 % 26)));
        var pieces = new BoundedPreTokenizer().PreTokenize(" " + word).ToList();

        Assert.All(pieces, p => Assert.InRange(p.Length, 1, BoundedPreTokenizer.MaxWordLength));
        Assert.Equal(Enumerable.Range(0, pieces.Count - 1).Select(i => pieces[i].Offset + pieces[i].Length), pieces.Skip(1).Select(p => p.Offset));
        Assert.Equal(0, pieces[0].Offset);
        Assert.Equal(word.Length + 1, pieces[^1].Offset + pieces[^1].Length);
    }

    [Fact]
    public void ALongWordTokenizesAsItsPiecesDoAndDecodesBackWhole()
    {
        var word = string.Concat(Enumerable.Range(0, 3000).Select(i => (char)('a' + i * 7919 % 26)));
        var ids = trained.Tokenizer.Encode(word, addSpecialTokens: false);

        var pieces = Enumerable.Range(0, (word.Length + BoundedPreTokenizer.MaxWordLength - 1) / BoundedPreTokenizer.MaxWordLength)
            .Select(i => word.Substring(i * BoundedPreTokenizer.MaxWordLength, Math.Min(BoundedPreTokenizer.MaxWordLength, word.Length - i * BoundedPreTokenizer.MaxWordLength)));
        Assert.Equal(pieces.SelectMany(p => trained.Tokenizer.Encode(p, addSpecialTokens: false)), ids);
        Assert.Equal(word, trained.Tokenizer.Decode(ids));
    }

    [Fact]
    public void APieceBoundaryNeverSplitsASurrogatePair()
    {
        // MATHEMATICAL BOLD CAPITAL A is a letter outside the BMP: a run of them is one long word of surrogate pairs,
        // preceded by one BMP letter so that the bound falls inside a pair.
        var text = "x" + string.Concat(Enumerable.Repeat("\U0001D400", 400));

        var pieces = new BoundedPreTokenizer().PreTokenize(text).ToList();

        Assert.All(pieces, p => Assert.False(char.IsLowSurrogate(text[p.Offset]), $"a piece starts inside a surrogate pair at {p.Offset}"));
        Assert.Equal(text, trained.Tokenizer.Decode(trained.Tokenizer.Encode(text)));
    }

    [Fact]
    public void OrdinaryWordsAreLeftWhole()
    {
        var text = "The quick brown fox https://example.org/a/rather/long/path?with=query&and=more 0123456789abcdef.";
        var pieces = new BoundedPreTokenizer().PreTokenize(text).Select(p => text.Substring(p.Offset, p.Length)).ToList();

        Assert.Equal(["The", " quick", " brown", " fox", " https", "://", "example", ".", "org", "/", "a", "/", "rather", "/", "long", "/", "path", "?", "with", "=", "query", "&", "and", "=", "more", " 0123456789", "abcdef", "."], pieces);
    }
}
