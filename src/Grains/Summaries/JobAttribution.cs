using Microsoft.Extensions.Logging;
using Summarizer.Contracts;
using Summarizer.Model.Attribution;
using Summarizer.Model.Generation;
using Summarizer.Model.Pipeline;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// A finished job's attribution (request option <see cref="SummaryRequestOptions.Attribution"/>), put on its done event
/// once: each summary sentence with at most <see cref="SentenceAttribution.MaxSpans"/> spans of the document as sent,
/// so what is stored is bounded by the summary's length, never by the document's. Computed by
/// <see cref="DocumentAttribution"/> on the thread pool, off the Orleans scheduler. A job decoded in distributed mode
/// recorded nothing and says so; attribution that cannot be computed never fails the summary.
/// </summary>
internal static class JobAttribution
{
    /// <summary>What a job decoded in distributed mode says instead of its attribution.</summary>
    public const string DistributedUnavailable =
        "Attribution is unavailable for this job: it decoded in distributed mode, where the document's attention stays on the shard grains' silos. Submit with decodeMode 'local' for attribution.";

    /// <summary>What a job whose attribution failed says instead (the cause is logged).</summary>
    public const string FailedUnavailable = "Attribution could not be computed for this job; its summary is complete.";

    /// <summary>
    /// <paramref name="done"/> with the attribution of <paramref name="result"/> over <paramref name="original"/> (the
    /// document as sent) when <paramref name="options"/> asked for it; <paramref name="trace"/> is what the decoder
    /// recorded (null in distributed mode).
    /// </summary>
    public static async Task<SummaryEvent> AttachAsync(SummaryEvent done, SummaryRequestOptions options, AttentionTrace? trace, SummarizationModel model,
        string original, GenerationResult result, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.Attribution != true) return done;
        if (trace is null) return done with { AttributionUnavailable = DistributedUnavailable };
        try
        {
            var sentences = await Task.Run(() => DocumentAttribution.Build(model.Tokenizer, original, DocumentKeys.Nfc, result, trace).Sentences, cancellationToken);
            return done with { Attribution = sentences.Select(ToContract).ToArray() };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Attribution of a finished summary failed.");
            return done with { AttributionUnavailable = FailedUnavailable };
        }
    }

    private static AttributedSentence ToContract(SentenceSources s) => new()
    {
        Text = s.Sentence.Text,
        Start = s.Sentence.Start,
        End = s.Sentence.End,
        Spans = s.Spans.Select(p => new AttributedSpan { Start = p.Start, End = p.End, Weight = p.Weight }).ToArray(),
    };
}
