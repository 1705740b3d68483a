using System.Globalization;
using System.Text;

namespace Summarizer.TestSupport.Load;

/// <summary>One accepted job as the client saw it.</summary>
public sealed record JobOutcome(string Id, int Document, bool Completed, double TimeToFirstTokenMs, double CompletionMs, int Tokens, string StreamedText, string? Problem);

/// <summary>What a load run measured and verified.</summary>
public sealed record LoadReport
{
    /// <summary>The settings the run used (documents left out).</summary>
    public required int Clients { get; init; }

    /// <summary>Submission window.</summary>
    public required double DurationSeconds { get; init; }

    /// <summary>Wall time from the first submission to the last job's end.</summary>
    public required double WallSeconds { get; init; }

    /// <summary>Jobs the service accepted (202).</summary>
    public required IReadOnlyList<JobOutcome> Jobs { get; init; }

    /// <summary>Submissions refused with 429 (bounds or rate limit), retried by the client after Retry-After.</summary>
    public required int Throttled { get; init; }

    /// <summary>Errors by kind (HTTP status, stream problems, verification failures).</summary>
    public required IReadOnlyDictionary<string, int> Errors { get; init; }

    /// <summary>Accepted jobs that did not end completed with the streamed text (must be 0).</summary>
    public required int Lost { get; init; }

    /// <summary>Events received twice or out of order, over all streams (must be 0).</summary>
    public required int Duplicated { get; init; }

    /// <summary>Largest K/V bytes seen in any silo's memory cache, and that silo's budget; null without diagnostics.</summary>
    public long? PeakKvBytes { get; init; }

    /// <summary>The K/V memory budget of the silos.</summary>
    public long? KvBudgetBytes { get; init; }

    /// <summary>Shards evicted over the run, all silos.</summary>
    public long? Evictions { get; init; }

    /// <summary>Largest resident size of a silo process seen, bytes.</summary>
    public long? PeakProcessBytes { get; init; }

    /// <summary>Completed jobs per minute over the wall time.</summary>
    public double JobsPerMinute => Jobs.Count(j => j.Completed) / Math.Max(WallSeconds, 1e-9) * 60;

    /// <summary>Generated tokens per second over the wall time, all jobs.</summary>
    public double TokensPerSecond => Jobs.Sum(j => j.Tokens) / Math.Max(WallSeconds, 1e-9);

    /// <summary>The <paramref name="p"/>-th percentile (0–100) of <paramref name="values"/>, nearest rank.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        int rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    /// <summary>A markdown summary of the run.</summary>
    public string ToMarkdown()
    {
        var inv = CultureInfo.InvariantCulture;
        var done = Jobs.Where(j => j.Completed).ToList();
        string P(Func<JobOutcome, double> f, double p) => Percentile(done.Select(f), p).ToString("N0", inv);
        var md = new StringBuilder();
        md.AppendLine("| clients | submit window | wall | accepted | completed | throttled (429) | errors | lost | duplicated | jobs/min | tokens/s |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        md.AppendLine(string.Create(inv, $"| {Clients} | {DurationSeconds:F0} s | {WallSeconds:F0} s | {Jobs.Count} | {done.Count} | {Throttled} | {Errors.Values.Sum()} | {Lost} | {Duplicated} | {JobsPerMinute:F1} | {TokensPerSecond:F1} |"));
        md.AppendLine();
        md.AppendLine("| latency (ms) | p50 | p95 | p99 |");
        md.AppendLine("| --- | --- | --- | --- |");
        md.AppendLine($"| time to first token | {P(j => j.TimeToFirstTokenMs, 50)} | {P(j => j.TimeToFirstTokenMs, 95)} | {P(j => j.TimeToFirstTokenMs, 99)} |");
        md.AppendLine($"| completion | {P(j => j.CompletionMs, 50)} | {P(j => j.CompletionMs, 95)} | {P(j => j.CompletionMs, 99)} |");
        if (PeakKvBytes is not null)
        {
            md.AppendLine();
            md.AppendLine(string.Create(inv, $"K/V memory: peak {PeakKvBytes / 1048576.0:F1} MiB of a {KvBudgetBytes / 1048576.0:F1} MiB budget, {Evictions} evictions; peak silo resident memory {PeakProcessBytes / 1048576.0:F0} MiB."));
        }
        if (Errors.Count > 0) md.AppendLine().AppendLine("Errors: " + string.Join(", ", Errors.Select(e => $"{e.Key} × {e.Value}")));
        return md.ToString();
    }
}
