using Summarizer.Model.Documents;

namespace Summarizer.Model.Tests.Documents;

public sealed class DocumentSharderTests
{
    [Theory]
    [InlineData(0, 64, 0)]
    [InlineData(10, 64, 0)]
    [InlineData(62, 64, 0)]
    [InlineData(63, 64, 0)]
    [InlineData(1000, 64, 0)]
    [InlineData(1000, 64, 16)]
    [InlineData(5000, 1024, 128)]
    [InlineData(777, 100, 49)]
    public void EveryTokenIsKeptExactlyOnceAndNoWindowExceedsTheLimit(int tokens, int shardLength, int overlap)
    {
        var windows = DocumentSharder.Plan(tokens, new ShardingOptions(shardLength, overlap));

        var kept = new int[tokens];
        foreach (var w in windows)
        {
            Assert.True(w.InputLength <= shardLength);
            Assert.InRange(w.KeepStart, w.WindowStart, w.WindowEnd);
            Assert.InRange(w.KeepEnd, w.KeepStart, w.WindowEnd);
            for (int i = w.KeepStart; i < w.KeepEnd; i++) kept[i]++;
        }
        Assert.All(kept, count => Assert.Equal(1, count));
        Assert.True(windows[0].IsFirst && windows[^1].IsLast);
        Assert.Equal(tokens + 2, windows.Sum(w => w.KeptRows));
    }

    [Fact]
    public void OverlapIsSplitAtItsMidpointSoTokensKeepTheirWidestContext()
    {
        var windows = DocumentSharder.Plan(200, new ShardingOptions(62, 20));

        for (int i = 1; i < windows.Count; i++)
        {
            var (prev, cur) = (windows[i - 1], windows[i]);
            Assert.Equal(prev.KeepEnd, cur.KeepStart);
            Assert.Equal((cur.WindowStart + prev.WindowEnd) / 2, cur.KeepStart);
        }
    }

    [Fact]
    public void OptionsOutOfRangeNameTheOption()
    {
        var tooLong = Assert.Throws<ArgumentException>(() => new ShardingOptions(2048).Validate(1024));
        Assert.Contains("shardLength", tooLong.Message);
        var badOverlap = Assert.Throws<ArgumentException>(() => new ShardingOptions(64, 40).Validate(1024));
        Assert.Contains("shardOverlap", badOverlap.Message);
    }
}
