using Microsoft.Extensions.Logging;
using Summarizer.Contracts;

namespace Summarizer.Grains.Summaries;

/// <summary>
/// Following the encode: has the document grain encode (or find) the document and reports its progress as it goes.
/// Encoding a long document can outlast Orleans' response timeout, which bounds the wait for a reply but not the work,
/// so the call is followed (<see cref="RetryPolicy.FollowAsync"/>): repeated while the document grain answers, and
/// through the loss of its silo. Encoder runs are then read from the manifest's total instead of the lost reply. A
/// cancelled job stops following at once; the encode itself goes on for whoever else needs the document.
/// </summary>
internal static class EncodeFollower
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The outcome of encoding <paramref name="source"/>; every change of progress after <paramref name="published"/>
    /// (shards done, total) goes to <paramref name="publish"/>, ending with all shards done.
    /// </summary>
    public static async Task<EncodeOutcome> FollowAsync(IDocumentGrain document, DocumentSource source, (int Done, int Total)? published,
        Func<EncodingProgress, Task> publish, TimeSpan outageLimit, ILogger logger, CancellationToken cancellationToken)
    {
        long runsBefore = (await RetryPolicy.CallAsync(() => document.GetManifestAsync(), cancellationToken, logger, "Reading the manifest", outageLimit)).EncoderRuns;
        bool followed = false;
        var encoding = RetryPolicy.FollowAsync(() => document.EnsureEncodedAsync(source), async () =>
        {
            followed = true;
            await document.GetProgressAsync();
        }, cancellationToken, logger, "Encoding", outageLimit);
        var last = published ?? (-1, -1);
        while (!encoding.IsCompleted)
        {
            await Task.WhenAny(encoding, Task.Delay(PollEvery, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            if (encoding.IsCompleted) break;
            EncodingProgress progress;
            try { progress = await document.GetProgressAsync(); }
            catch (Exception e) when (RetryPolicy.IsTransient(e)) { continue; }
            if (progress.ShardsTotal > 0 && (progress.ShardsDone, progress.ShardsTotal) != last)
            {
                last = (progress.ShardsDone, progress.ShardsTotal);
                await publish(progress);
            }
        }
        var outcome = await encoding;
        if (followed) outcome = outcome with { EncoderRuns = Math.Max(0, outcome.Manifest.EncoderRuns - runsBefore) };
        var manifest = outcome.Manifest;
        if (manifest.Status == DocumentStatus.Encoded && last != (manifest.ShardCount, manifest.ShardCount))
            await publish(new EncodingProgress(DocumentStatus.Encoded, manifest.ShardCount, manifest.ShardCount));
        return outcome;
    }
}
