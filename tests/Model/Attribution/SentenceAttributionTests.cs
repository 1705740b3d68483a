using Summarizer.Model.Attribution;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;

namespace Summarizer.Model.Tests.Attribution;

/// <summary>Sentences of the summary and their source spans as character offsets in the original text.</summary>
public sealed class SentenceAttributionTests
{
    private static readonly Lazy<SummarizationModel> Model = new(() => SummarizationModel.Load(TinyCheckpoint.Directory));

    [Fact]
    public void SummaryIsSplitWhereSentencesEnd()
    {
        var sentences = SummarySentences.Split("  First one. Second (really!) \"Third?\" Version 2.5 stays.\nLast line 「終わり。」次");
        Assert.Equal(["First one.", "Second (really!)", "\"Third?\"", "Version 2.5 stays.", "Last line 「終わり。」", "次"], sentences.Select(s => s.Text));
        Assert.All(sentences, s => Assert.Equal(s.Text, "  First one. Second (really!) \"Third?\" Version 2.5 stays.\nLast line 「終わり。」次"[s.Start..s.End]));
    }

    [Fact]
    public void TokenOffsetsCoverEachTokensTextInTheNormalizedDocument()
    {
        var tokenizer = Model.Value.Tokenizer;
        var text = TinyCheckpoint.Document(300, 2000).Document[..1500].Trim() + " Café naïve — 日本語 😀.";
        var tokens = tokenizer.Encode(text, addSpecialTokens: false);
        var offsets = TokenOffsets.Align(tokenizer, text, tokens);
        Assert.Equal(tokens.Count, offsets.Length);
        for (int t = 0; t < tokens.Count; t++)
        {
            var decoded = tokenizer.Decode([tokens[t]]).Trim();
            if (decoded.Length == 0 || decoded.Contains('\uFFFD')) continue;   // part of a multi-byte character
            Assert.Equal(decoded, text[offsets[t].Start..offsets[t].End]);
        }
        Assert.True(offsets.Zip(offsets.Skip(1)).All(p => p.First.Start <= p.Second.Start), "offsets go forward");
    }

    [Fact]
    public void SpansPointAtTheOriginalCharactersOfTheAttendedTokensCrlfAndNonAsciiIncluded()
    {
        var tokenizer = Model.Value.Tokenizer;
        var original = "\r\n  The cafe\u0301 opened.\r\nNa\u0308ive visitors came from 東京.\r\nIt closed at night.\r\n";
        var map = SourceOffsetMap.Build(original);
        var tokens = tokenizer.Encode(map.Normalized, addSpecialTokens: false);
        var offsets = TokenOffsets.Align(tokenizer, map.Normalized, tokens);
        int Token(string word) => Enumerable.Range(0, tokens.Count).FirstOrDefault(t => map.Normalized[offsets[t].Start..offsets[t].End].Contains(word, StringComparison.Ordinal), -1) is var found and >= 0
            ? found : throw new Xunit.Sdk.XunitException($"no token covers '{word}': " + string.Join("|", offsets.Select(o => map.Normalized[o.Start..o.End])));
        int cafe = Token("é"), tokyo = Token("東"), night = Token("ight");

        var generated = tokenizer.Encode("A cafe opened. People came.", addSpecialTokens: false).Append(tokenizer.EosTokenId).ToArray();
        var summary = tokenizer.Decode(generated);
        int firstSentenceTokens = Enumerable.Range(1, generated.Length).First(n => tokenizer.Decode(generated.Take(n)).Contains('.'));
        var records = generated.Select((_, t) => t < firstSentenceTokens
            ? new TokenAttention([1f], [new AttendedPosition(cafe, 0.6f), new AttendedPosition(night, 0.1f)])
            : new TokenAttention([1f], [new AttendedPosition(tokyo, 0.5f)])).ToArray();

        var (text, sentences) = SentenceAttribution.Build(tokenizer, generated, records, offsets, map);
        Assert.Equal(summary, text);
        Assert.Equal(["A cafe opened.", "People came."], sentences.Select(s => s.Sentence.Text));
        var first = sentences[0].Spans;
        Assert.Contains("e\u0301", original[first[0].Start..first[0].End], StringComparison.Ordinal);
        Assert.Equal(0.6, first[0].Weight, 5);
        Assert.Contains("ight", original[first[1].Start..first[1].End], StringComparison.Ordinal);
        Assert.True(first[0].Weight > first[1].Weight);
        var second = sentences[1].Spans.Single();
        Assert.Contains("東", original[second.Start..second.End], StringComparison.Ordinal);
        Assert.DoesNotContain('\r', original[second.Start..second.End]);
    }
}
