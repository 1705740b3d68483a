using System.Globalization;
using System.Text;
using Summarizer.Contracts;

namespace Summarizer.Silo.Tests;

/// <summary>
/// <see cref="DocumentKeys.Normalize"/>: NFC in the stream-safe form, defined for every string that is Unicode text,
/// linear in its length, a pure function and its own fixed point (the document grain re-normalizes what the summary
/// grain hashed, and the two must agree).
/// </summary>
public sealed class DocumentNormalizationTests
{
    /// <summary>Every noncharacter: U+FDD0..U+FDEF and the last two code points of each of the 17 planes.</summary>
    public static IEnumerable<object[]> Noncharacters =>
        Enumerable.Range(0xFDD0, 32).Concat(Enumerable.Range(0, 17).SelectMany(p => new[] { (p << 16) | 0xFFFE, (p << 16) | 0xFFFF }))
            .Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Noncharacters))]
    public void ANoncharacterIsKeptAndTheTextAroundItNormalized(int codePoint)
    {
        var nonchar = char.ConvertFromUtf32(codePoint);
        var text = "Cafe\u0301 " + nonchar + " e\u0301te\u0301.";

        var normalized = DocumentKeys.Normalize(text);

        Assert.Equal("Café " + nonchar + " été.", normalized);
        Assert.Equal(normalized, DocumentKeys.Normalize(normalized));
    }

    [Theory]
    [InlineData(@"a\ud800b", 1)]
    [InlineData(@"ab\udc00", 2)]
    [InlineData(@"\udc00\ud800", 0)]
    [InlineData(@"ok \ud83d\ude00 then \ud83d", 11)]
    public void AnUnpairedSurrogateIsRefusedNamingTextAndWhere(string escaped, int index)
    {
        // Escaped in the data: a test framework passing strings around may repair a lone surrogate.
        var text = System.Text.RegularExpressions.Regex.Unescape(escaped);
        var e = Assert.Throws<ArgumentException>(() => DocumentKeys.Normalize(text));
        Assert.Equal("text", e.ParamName);
        Assert.Contains($"at character {index.ToString(CultureInfo.InvariantCulture)}", e.Message);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(1000)]
    [InlineData(200_000)]
    public void ALongRunOfCombiningMarksGetsAJoinerAfterEveryThirtyAndStaysNormalized(int marks)
    {
        // Two marks of different classes alternate, so normalization has to reorder the whole run.
        var run = string.Concat(Enumerable.Range(0, marks).Select(i => i % 2 == 0 ? "\u0301" : "\u0316"));
        var text = "Zalgo a" + run + " end.";

        var normalized = DocumentKeys.Normalize(text);

        Assert.Equal(normalized, DocumentKeys.Normalize(normalized));
        Assert.True(LongestMarkRun(normalized) <= 30, $"a run of {LongestMarkRun(normalized)} marks is left");
        Assert.Equal(marks / 30 - (marks % 30 == 0 ? 1 : 0), normalized.Count(c => c == '\u034F'));
        Assert.Equal(text.Length - 1, normalized.Replace("\u034F", "").Length); // "a" + U+0301 composed into "á"
    }

    [Theory]
    [InlineData("Ordinary text, with accents: café, naïve, Ångström.")]
    [InlineData("Vietnamese stacks a few marks: Tiếng Việt có dấu, ệ ẩ ỗ.")]
    [InlineData("Devanagari: हिन्दी; Thai: ภาษาไทย; Hebrew with points: שָׁלוֹם")]
    public void RealTextIsExactlyItsNfcWithNoJoinerAdded(string text)
    {
        Assert.Equal(text.Normalize(NormalizationForm.FormC), DocumentKeys.Normalize(text));
    }

    [Fact]
    public void ThirtyMarksInARowAreLeftAsTheyAre()
    {
        var text = "a" + new string('\u0316', 30) + "b";
        Assert.Equal(text.Normalize(NormalizationForm.FormC), DocumentKeys.Normalize(text));
        Assert.DoesNotContain('\u034F', DocumentKeys.Normalize(text));
        Assert.Contains('\u034F', DocumentKeys.Normalize("a" + new string('\u0316', 31)));
    }

    [Fact]
    public void AMarkThatDecomposesIntoTwoStillEndsInRunsOfAtMostThirtyAndIsAFixedPoint()
    {
        // U+0344 is one mark whose normal form is two (U+0308 U+0301): NFC lengthens the run it is in.
        var text = "x" + new string('\u0344', 100);

        var normalized = DocumentKeys.Normalize(text);

        Assert.True(LongestMarkRun(normalized) <= 30);
        Assert.Equal(normalized, DocumentKeys.Normalize(normalized));
    }

    [Fact]
    public void LineEndsAreUnifiedAndTheTextTrimmed()
    {
        Assert.Equal("one\ntwo\nthree", DocumentKeys.Normalize("  one\r\ntwo\rthree \n"));
    }

    private static int LongestMarkRun(string text)
    {
        int longest = 0, run = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            run = Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                && rune.Value != 0x034F ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return longest;
    }
}
