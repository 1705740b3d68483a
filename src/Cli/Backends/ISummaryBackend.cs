using Summarizer.Contracts;

namespace Summarizer.Cli.Backends;

/// <summary>Where a summary is made: a silo in this process, or a running silo's HTTP API.</summary>
internal interface ISummaryBackend : IAsyncDisposable
{
    /// <summary>Submits <paramref name="text"/> and yields the job's events up to and including Done or Error.</summary>
    IAsyncEnumerable<SummaryEvent> SummarizeAsync(string text, SummaryRequestOptions options, CancellationToken cancellationToken);
}
