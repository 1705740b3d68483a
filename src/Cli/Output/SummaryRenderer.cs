using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;
using Summarizer.Cli.Commands;
using Summarizer.Contracts;

namespace Summarizer.Cli.Output;

/// <summary>
/// Shows a job's events: a progress bar on stderr while shards are encoded, summary text on stdout as it is
/// decided, and statistics at the end. With <c>--json</c>, stdout gets only the final JSON object.
/// </summary>
internal sealed class SummaryRenderer(IAnsiConsole status, TextWriter output, bool json)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Renders the events; 0 once the summary is done, non-zero when the job failed.</summary>
    public async Task<int> RenderAsync(IAsyncEnumerable<SummaryEvent> events, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await using var reader = events.GetAsyncEnumerator(cancellationToken);
        var first = await ShowEncodingAsync(reader);
        for (var e = first; e is not null; e = await reader.MoveNextAsync() ? reader.Current : null)
        {
            switch (e.Kind)
            {
                case SummaryEventKind.Delta when !json:
                    await output.WriteAsync(e.Text);
                    await output.FlushAsync(cancellationToken);
                    break;
                case SummaryEventKind.Done:
                    await FinishAsync(e, clock.Elapsed);
                    return 0;
                case SummaryEventKind.Error:
                    if (!json) await output.WriteLineAsync();
                    CliInvocation.Error("The summary failed: " + (e.Error ?? "no reason given."));
                    return CliInvocation.RunError;
            }
        }
        CliInvocation.Error("The event stream ended before the summary was done.");
        return CliInvocation.RunError;
    }

    // Progress events come first, while shards are encoded; returns the first event that is not one. No bar is drawn
    // before the service has answered with a first event, so an unreachable gateway or a refused submission is reported
    // alone, on its own line.
    private async Task<SummaryEvent?> ShowEncodingAsync(IAsyncEnumerator<SummaryEvent> reader)
    {
        if (!await reader.MoveNextAsync()) return null;
        if (reader.Current.Kind != SummaryEventKind.Progress) return reader.Current;
        SummaryEvent? next = null;
        var first = reader.Current;
        await status.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask("Encoding shards", maxValue: 1);
                for (var e = first; e is not null; e = await reader.MoveNextAsync() ? reader.Current : null)
                {
                    if (e.Kind != SummaryEventKind.Progress)
                    {
                        next = e;
                        return;
                    }
                    task.IsIndeterminate = false;
                    task.Description = $"Encoding {e.ShardsTotal} shards";
                    task.MaxValue = Math.Max(e.ShardsTotal, 1);
                    task.Value = e.ShardsDone;
                }
            });
        return next;
    }

    private async Task FinishAsync(SummaryEvent done, TimeSpan elapsed)
    {
        var result = SummaryResult.From(done);
        if (json)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(result, Json));
            return;
        }
        await output.WriteLineAsync();
        status.MarkupLineInterpolated(
            $"[grey]{result.ShardCount} shards, {result.EncoderRuns} encoder runs, {result.TokenIds.Count} tokens, first token after {result.TimeToFirstTokenMs:F0} ms, {result.TokensPerSecond:F1} tokens/s, {elapsed.TotalSeconds:F1} s in all.[/]");
    }
}
