namespace Summarizer.Grains.Inference;

/// <summary>
/// How well shard calls were batched on a silo: requests answered, and the passes over K/V that answered them (fewer
/// when requests for the same layer rode along on one pass). The one place these are counted: every shard grain's
/// <c>QueryCoalescer</c> counts into its silo's counters, which diagnostics read.
/// </summary>
public sealed class BatchingCounters
{
    private long _requests, _passes;

    /// <summary>Shard requests answered.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Passes over K/V that answered them.</summary>
    public long Passes => Interlocked.Read(ref _passes);

    /// <summary>Counts one pass answering <paramref name="requests"/> requests.</summary>
    public void CountPass(int requests)
    {
        Interlocked.Add(ref _requests, requests);
        Interlocked.Increment(ref _passes);
    }
}
