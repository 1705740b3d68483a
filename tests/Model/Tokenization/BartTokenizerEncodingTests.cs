using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

public sealed class BartTokenizerEncodingTests(TrainedTokenizerFixture trained) : IClassFixture<TrainedTokenizerFixture>
{
    private BartTokenizer Tokenizer => trained.Tokenizer;

    [Fact]
    public void DecodeOfEncodeReturnsHeldOutDocumentsUnchanged()
    {
        foreach (var document in TestCorpus.HeldOutDocuments(count: 5))
        {
            Assert.Equal(document, Tokenizer.Decode(Tokenizer.Encode(document)));
        }
    }

    [Theory]
    [InlineData("Emoji 😀🚀👩‍💻 and flags 🇫🇷🇯🇵")]
    [InlineData("Accents: café, naïve, Ångström, São Paulo, Dvořák")]
    [InlineData("CJK: 東京は日本の首都です。中文分词测试。한국어")]
    [InlineData("   leading, trailing   ")]
    [InlineData("tabs\t\tand\nnewlines\n\n\n  and\r\nCRLF  ")]
    [InlineData("")]
    [InlineData("Combining e\u0301 and zero\u200bwidth, and a lone \u00a0 no-break space")]
    public void DecodeOfEncodeReturnsUnicodeAndWhitespaceUnchanged(string text)
    {
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Fact]
    public void EncodeWrapsIdsInBeginningAndEndOfSequenceTokens()
    {
        var ids = Tokenizer.Encode("Hello world.");

        Assert.Equal(0, ids[0]);
        Assert.Equal(2, ids[^1]);
        Assert.Equal(Tokenizer.BosTokenId, ids[0]);
        Assert.Equal(Tokenizer.EosTokenId, ids[^1]);
        Assert.Equal(ids.Skip(1).SkipLast(1), Tokenizer.Encode("Hello world.", addSpecialTokens: false));
    }

    [Fact]
    public void SpecialTokenIdsFollowBartLayout()
    {
        Assert.Equal(0, Tokenizer.BosTokenId);
        Assert.Equal(1, Tokenizer.PadTokenId);
        Assert.Equal(2, Tokenizer.EosTokenId);
        Assert.Equal(3, Tokenizer.UnkTokenId);
        Assert.Equal(TrainedTokenizerFixture.VocabSize - 1, Tokenizer.MaskTokenId);
        Assert.Equal(TrainedTokenizerFixture.VocabSize, Tokenizer.VocabSize);
    }

    [Theory]
    [InlineData("<s>", 0)]
    [InlineData("<pad>", 1)]
    [InlineData("</s>", 2)]
    [InlineData("<unk>", 3)]
    public void SpecialTokenTextEncodesToItsSingleId(string special, int expectedId)
    {
        var ids = Tokenizer.Encode($"before{special}after", addSpecialTokens: false);

        Assert.Contains(expectedId, ids);
        Assert.Single(ids, id => id == expectedId);
        Assert.Equal(
            Tokenizer.Encode("before", addSpecialTokens: false).Append(expectedId).Concat(Tokenizer.Encode("after", addSpecialTokens: false)),
            ids);
    }

    [Fact]
    public void MaskTokenAbsorbsThePrecedingSpaceLikeBart()
    {
        int mask = Tokenizer.MaskTokenId!.Value;

        var ids = Tokenizer.Encode("The <mask> sat.", addSpecialTokens: false);

        Assert.Equal(Tokenizer.Encode("The", addSpecialTokens: false).Append(mask).Concat(Tokenizer.Encode(" sat.", addSpecialTokens: false)), ids);
    }

    [Fact]
    public void DecodeSkipsSpecialTokensOnlyWhenAsked()
    {
        var ids = Tokenizer.Encode("Hi</s>there");

        Assert.Equal("Hithere", Tokenizer.Decode(ids));
        Assert.Equal("<s>Hi</s>there</s>", Tokenizer.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void DecodeCleansUpTokenizationSpacesOnlyWhenAsked()
    {
        var ids = Tokenizer.Encode("It is n't here , is it ?");

        Assert.Equal("It is n't here , is it ?", Tokenizer.Decode(ids));
        Assert.Equal("It isn't here, is it?", Tokenizer.Decode(ids, cleanUpTokenizationSpaces: true));
    }

    [Fact]
    public void DecodeRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([Tokenizer.VocabSize]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([-1]));
    }

    [Fact]
    public void TrainedMergesCompressEnglishText()
    {
        var document = TestCorpus.HeldOutDocuments(count: 1)[0];

        var ids = Tokenizer.Encode(document, addSpecialTokens: false);

        // Byte-level encoding without merges would need one id per UTF-8 byte.
        Assert.True(ids.Count < System.Text.Encoding.UTF8.GetByteCount(document) / 2, $"{ids.Count} ids for {document.Length} chars");
    }
}
