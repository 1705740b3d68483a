using System.Text;
using Summarizer.Model.Attribution;

namespace Summarizer.Model.Tests.Attribution;

/// <summary>Offsets in the normalized text map back to the characters of the original text they came from.</summary>
public sealed class SourceOffsetMapTests
{
    private static string Original(SourceOffsetMap map, int start, int end)
    {
        var (s, e) = map.ToOriginal(start, end);
        return map.Original[s..e];
    }

    [Fact]
    public void CrlfAndCrBecomeLfAndMapBackToTheLineBreaksSent()
    {
        var map = SourceOffsetMap.Build("  Hello\r\nWorld\rEnd \n ");
        Assert.Equal("Hello\nWorld\nEnd", map.Normalized);
        Assert.Equal("Hello", Original(map, 0, 5));
        Assert.Equal("\r\n", Original(map, 5, 6));
        Assert.Equal("World", Original(map, 6, 11));
        Assert.Equal("\r", Original(map, 11, 12));
        Assert.Equal("End", Original(map, 12, 15));
        Assert.Equal((2, 2), map.ToOriginal(0, 0));
    }

    [Fact]
    public void ComposedCharactersMapToTheLetterAndItsCombiningMarks()
    {
        var original = "Cafe\u0301 na\u0308ive \u1100\u1161 日本語 😀 x\u0323\u0307";
        var map = SourceOffsetMap.Build(original);
        Assert.Equal(original.Normalize(NormalizationForm.FormC), map.Normalized);
        int cafe = map.Normalized.IndexOf("Caf\u00E9", StringComparison.Ordinal);
        Assert.Equal("Cafe\u0301", Original(map, cafe, cafe + 4));
        Assert.Equal("e\u0301", Original(map, cafe + 3, cafe + 4));
        int naive = map.Normalized.IndexOf("n\u00E4ive", StringComparison.Ordinal);
        Assert.Equal("na\u0308ive", Original(map, naive, naive + 5));
        Assert.True(map.Normalized.Contains('\uAC00'), string.Join(",", map.Normalized.Select(c => ((int)c).ToString("X4"))));
        Assert.Equal("\u1100\u1161", Original(map, map.Normalized.IndexOf('\uAC00'), map.Normalized.IndexOf('\uAC00') + 1));
        int japanese = map.Normalized.IndexOf("日本語", StringComparison.Ordinal);
        Assert.Equal("本", Original(map, japanese + 1, japanese + 2));
        int emoji = map.Normalized.IndexOf("😀", StringComparison.Ordinal);
        Assert.Equal("😀", Original(map, emoji, emoji + 2));
    }

    [Fact]
    public void EveryNormalizedCharacterComesFromAShortOriginalRangeThatNormalizesToIt()
    {
        string[] pool = ["a", "e", "Z", " ", "\r", "\n", "\r\n", "\t", "\u0301", "\u0308", "\u0323", "é", "\u1100", "\u1161", "\u11A8", "가", "日", "😀", "\u212B", "ﬁ", "."];
        var random = new Random(17);
        for (int round = 0; round < 200; round++)
        {
            var original = string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pool[random.Next(pool.Length)]));
            var map = SourceOffsetMap.Build(original);
            Assert.Equal(original.Normalize(NormalizationForm.FormC).Replace("\r\n", "\n").Replace('\r', '\n').Trim(), map.Normalized);
            for (int i = 0; i < map.Normalized.Length; i++)
            {
                var source = Original(map, i, i + 1);
                Assert.InRange(source.Length, 1, 8);
                var renormalized = source.Normalize(NormalizationForm.FormC).Replace("\r\n", "\n").Replace('\r', '\n');
                Assert.True(renormalized.Contains(map.Normalized[i]), $"{string.Join(",", original.Select(c => ((int)c).ToString("X4")))} at {i}: '{source}' -> '{renormalized}'");
            }
        }
    }

    [Fact]
    public void TheServicesNormalizerIsUsedPerSegment()
    {
        // A normalizer that also drops a character class shows the map follows the function it is given.
        static string Nfc(string s) => s.Normalize(NormalizationForm.FormC).Replace("\u034F", "", StringComparison.Ordinal);
        var map = SourceOffsetMap.Build("ab\u034Fc", Nfc);
        Assert.Equal("abc", map.Normalized);
        Assert.Equal("c", Original(map, 2, 3)[^1..]);
    }
}
