using System.Text;
using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

public sealed class StreamingDecoderTests(TrainedTokenizerFixture trained) : IClassFixture<TrainedTokenizerFixture>
{
    private BartTokenizer Tokenizer => trained.Tokenizer;

    [Theory]
    [InlineData("Emoji 😀🚀👩‍💻 and flags 🇫🇷🇯🇵, done.")]
    [InlineData("CJK: 東京は日本の首都です。中文分词测试。한국어")]
    [InlineData("Accents: café, naïve, Ångström, Dvořák")]
    public void ConcatenatedDeltasEqualDecodeAndNeverContainReplacementCharacters(string text)
    {
        var ids = Tokenizer.Encode(text);
        var decoder = Tokenizer.CreateStreamingDecoder();

        var deltas = ids.Select(decoder.Append).Append(decoder.Flush()).ToList();

        Assert.Equal(Tokenizer.Decode(ids), string.Concat(deltas));
        Assert.Equal(text, string.Concat(deltas));
        Assert.All(deltas, delta => Assert.DoesNotContain('\uFFFD', delta));
        Assert.All(deltas, delta => Assert.True(IsWellFormedUtf16(delta), $"broken surrogate pair in '{delta}'"));
    }

    [Fact]
    public void CharacterSplitAcrossTokensIsHeldBackUntilComplete()
    {
        // Each UTF-8 byte of the emoji is its own id when the vocabulary has no merge for it.
        var ids = Tokenizer.Encode("😀", addSpecialTokens: false);
        Assert.True(ids.Count > 1, "test needs the emoji to span several tokens");
        var decoder = Tokenizer.CreateStreamingDecoder();

        var deltas = ids.Select(decoder.Append).ToList();

        Assert.All(deltas.SkipLast(1), delta => Assert.Equal(string.Empty, delta));
        Assert.Equal("😀", deltas[^1]);
        Assert.Equal(string.Empty, decoder.Flush());
    }

    [Fact]
    public void DeltasMatchDecodeForHeldOutDocumentWithSpecialTokensKept()
    {
        var ids = Tokenizer.Encode(TestCorpus.HeldOutDocuments(count: 1)[0] + TestCorpus.UnicodeSample);
        var decoder = new StreamingDecoder(Tokenizer, skipSpecialTokens: false);

        var streamed = string.Concat(ids.Select(decoder.Append)) + decoder.Flush();

        Assert.Equal(Tokenizer.Decode(ids, skipSpecialTokens: false), streamed);
    }

    [Fact]
    public void FlushOfTruncatedCharacterMatchesDecode()
    {
        var ids = Tokenizer.Encode("ok 😀", addSpecialTokens: false).SkipLast(1).ToList();
        var decoder = Tokenizer.CreateStreamingDecoder();

        var streamed = string.Concat(ids.Select(decoder.Append)) + decoder.Flush();

        Assert.Equal(Tokenizer.Decode(ids), streamed);
        Assert.EndsWith("\uFFFD", streamed);
    }

    private static bool IsWellFormedUtf16(string text)
    {
        try
        {
            _ = new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }
}
