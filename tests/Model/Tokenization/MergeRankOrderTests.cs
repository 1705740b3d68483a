using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

/// <summary>Hand-written GPT-2 style vocabularies whose expected encodings are worked out by hand.</summary>
public sealed class MergeRankOrderTests
{
    private static Dictionary<string, int> MiniVocabulary() => new()
    {
        ["<s>"] = 0, ["<pad>"] = 1, ["</s>"] = 2, ["<unk>"] = 3,
        ["Ġ"] = 4, ["t"] = 5, ["h"] = 6, ["e"] = 7,
        ["Ġt"] = 8, ["he"] = 9, ["Ġthe"] = 10, ["th"] = 11, ["<mask>"] = 12,
    };

    [Fact]
    public void SpaceThePrefixMergesIntoTheSingleGpt2Token()
    {
        var tokenizer = BartTokenizer.Create(MiniVocabulary(), ["Ġ t", "h e", "Ġt he"]);

        Assert.Equal([10], tokenizer.Encode(" the", addSpecialTokens: false));
        Assert.Equal(" the", tokenizer.Decode([10]));
        Assert.Equal("Ġthe", tokenizer.IdToToken(10));
    }

    [Fact]
    public void LowerRankMergeWinsWhenMergesCompete()
    {
        // "the": "t h" and "h e" overlap, so whichever ranks first decides the split.
        var heFirst = BartTokenizer.Create(MiniVocabulary(), ["h e", "t h"]);
        var thFirst = BartTokenizer.Create(MiniVocabulary(), ["t h", "h e"]);

        Assert.Equal([5, 9], heFirst.Encode("the", addSpecialTokens: false));
        Assert.Equal([11, 7], thFirst.Encode("the", addSpecialTokens: false));
    }

    [Fact]
    public void MergeWhoseInputsNeverFormIsNotApplied()
    {
        // "Ġt he" needs "Ġt" first; without "Ġ t" the space stays alone.
        var tokenizer = BartTokenizer.Create(MiniVocabulary(), ["h e", "Ġt he"]);

        Assert.Equal([4, 5, 9], tokenizer.Encode(" the", addSpecialTokens: false));
    }

    [Fact]
    public void BytesMissingFromTheVocabularyBecomeUnknown()
    {
        var tokenizer = BartTokenizer.Create(MiniVocabulary(), ["Ġ t", "h e", "Ġt he"]);

        Assert.Equal([0, 10, 3, 2], tokenizer.Encode(" the!"));
    }
}
