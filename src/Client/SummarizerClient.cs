using System.Runtime.CompilerServices;
using Summarizer.Contracts;

namespace Summarizer.Client;

/// <summary>
/// Submits documents and streams their summaries through an Orleans cluster client. Needs only the contracts:
/// no TorchSharp, no grain code. Calls that meet a silo that just died are made again (<see cref="RetryPolicy"/>): the
/// job's grain is activated on a surviving silo and goes on from its log. A store outage is not waited out here: the
/// caller hears of it at once.
/// </summary>
public sealed class SummarizerClient
{
    private readonly IGrainFactory _grains;

    /// <summary>Creates a client over any grain factory (an <see cref="IClusterClient"/> or a silo's own).</summary>
    public SummarizerClient(IGrainFactory grains) => _grains = grains;

    /// <summary>Tenant used when none is given (single-tenant and embedded deployments).</summary>
    public const string DefaultTenant = "default";

    /// <summary>Submits <paramref name="text"/> for summarization and returns the new job's id at once.</summary>
    /// <exception cref="ArgumentException">
    /// The text is not Unicode text (an unpaired surrogate; parameter <c>text</c>), or the tenant name is not one
    /// <see cref="TenantNames"/> allows (parameter <c>tenant</c>); nothing was recorded.
    /// </exception>
    /// <exception cref="JobLimitExceededException">
    /// The tenant, or the silo the job was placed on, already runs as many jobs as allowed; nothing was recorded.
    /// </exception>
    public async Task<string> SubmitAsync(string text, SummaryRequestOptions? options = null, string tenant = DefaultTenant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        TenantNames.Validate(tenant);
        DocumentKeys.ValidateText(text);
        var jobId = JobIds.New();
        var request = new SummaryRequest(tenant, text, options ?? new SummaryRequestOptions());
        var outcome = await RetryPolicy.CallAsync(() => _grains.GetGrain<ISummaryGrain>(jobId).StartAsync(request), cancellationToken, storageOutages: false)
            .WaitAsync(cancellationToken);
        if (outcome.Refused is { } refusal) throw new JobLimitExceededException(refusal, tenant);
        return jobId;
    }

    /// <summary>Reads a UTF-8 document from <paramref name="document"/> and submits it.</summary>
    public async Task<string> SubmitAsync(Stream document, SummaryRequestOptions? options = null, string tenant = DefaultTenant, CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(document, new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true));
        return await SubmitAsync(await reader.ReadToEndAsync(cancellationToken), options, tenant, cancellationToken);
    }

    /// <summary>
    /// The job's events after <paramref name="afterSequence"/>: progress while encoding, text deltas as they are
    /// decided, then one Done (whole summary and statistics) or Error. Subscribing late or again replays what was
    /// already published, so a reconnecting client passes the last sequence it saw and gets no duplicates.
    /// </summary>
    /// <remarks>
    /// A job's grain may move to the silo holding its document, or lose its silo; its watch then ends without a terminal
    /// event and this stream resubscribes from the last sequence seen, so callers see one uninterrupted sequence. A
    /// stream that starts at or beyond the end of a finished job ends at once.
    /// </remarks>
    public async IAsyncEnumerable<SummaryEvent> StreamAsync(string jobId, long afterSequence = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var job = _grains.GetGrain<ISummaryGrain>(jobId);
        for (int quietWatches = 0; ; )
        {
            bool any = false;
            var watch = job.WatchAsync(afterSequence).WithCancellation(cancellationToken).GetAsyncEnumerator();
            try
            {
                while (await NextAsync(watch, cancellationToken))
                {
                    var e = watch.Current;
                    any = true;
                    yield return e;
                    afterSequence = e.Sequence;
                    if (e.IsTerminal) yield break;
                }
            }
            finally
            {
                try { await watch.DisposeAsync(); }
                catch (EnumerationAbortedException) { }
            }
            // An unknown job ends its watch at once with nothing, and so does a finished one with nothing after
            // afterSequence: stop rather than spin.
            if (!any)
            {
                var snapshot = await GetAsync(jobId).WaitAsync(cancellationToken);
                if (snapshot is null || (snapshot.IsFinished && snapshot.LastSequence <= afterSequence)) yield break;
            }
            quietWatches = any ? 0 : quietWatches + 1;
            if (quietWatches > 0) await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * quietWatches)), cancellationToken);
        }
    }

    // The grain that served the watch moved, was deactivated or lost its silo between two reads: treated as the end of
    // that watch, after which the caller resubscribes from its last sequence.
    private static async ValueTask<bool> NextAsync(ConfiguredCancelableAsyncEnumerable<SummaryEvent>.Enumerator watch, CancellationToken cancellationToken)
    {
        try { return await watch.MoveNextAsync(); }
        catch (EnumerationAbortedException) { return false; }
        catch (Exception e) when (RetryPolicy.IsSiloLoss(e)) { return false; }
        // Orleans expired the call (its target's silo was being declared dead); the caller did not cancel.
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { return false; }
    }

    /// <summary>The job's snapshot, or null for an unknown job id.</summary>
    public Task<SummaryJob?> GetAsync(string jobId) => RetryPolicy.CallAsync(() => _grains.GetGrain<ISummaryGrain>(jobId).GetAsync(), storageOutages: false);

    /// <summary>Cancels a running job; returns its snapshot, or null for an unknown job id.</summary>
    public Task<SummaryJob?> CancelAsync(string jobId) => RetryPolicy.CallAsync(() => _grains.GetGrain<ISummaryGrain>(jobId).CancelAsync(), storageOutages: false);
}
