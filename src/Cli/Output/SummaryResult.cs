using Summarizer.Contracts;

namespace Summarizer.Cli.Output;

/// <summary>What <c>summarize --json</c> prints: the summary and what it cost.</summary>
internal sealed record SummaryResult(
    string Summary,
    IReadOnlyList<int> TokenIds,
    int ShardCount,
    long EncoderRuns,
    double TimeToFirstTokenMs,
    double TokensPerSecond)
{
    /// <summary>From a job's Done event.</summary>
    public static SummaryResult From(SummaryEvent done)
    {
        var stats = done.Statistics ?? new SummaryStatistics();
        return new SummaryResult(done.Text, done.TokenIds, stats.ShardCount, stats.EncoderRuns,
            Math.Round(stats.TimeToFirstTokenMs, 1), Math.Round(stats.TokensPerSecond, 2));
    }
}
