using Summarizer.Contracts;
using Summarizer.Grains.Inference;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// Batches the queries that reach one shard grain for the same key (a decoder layer, or a layer and a group of
/// shards) while earlier work is still queued: the first request of a key schedules one computation, and everything
/// that arrives for that key before it starts rides along. Concurrent jobs (and all beams of each) reading the same
/// document thus cost one pass over the K/V per layer, with no waiting added when the shard is idle.
/// </summary>
public sealed class QueryCoalescer<TKey, TQuery> where TKey : notnull
{
    private readonly object _gate = new();
    private readonly Dictionary<TKey, List<Waiting>> _waiting = [];
    private readonly Func<Action, Task> _schedule;
    private readonly Func<TKey, IReadOnlyList<TQuery>, IReadOnlyList<PartialAttentionResult>> _compute;

    /// <summary>
    /// Creates the coalescer. <paramref name="schedule"/> runs an action on the threads that own the shard's tensors;
    /// <paramref name="compute"/> answers a key's gathered batches in order; every pass is counted in
    /// <paramref name="counters"/> (the silo's, or the coalescer's own).
    /// </summary>
    public QueryCoalescer(Func<Action, Task> schedule, Func<TKey, IReadOnlyList<TQuery>, IReadOnlyList<PartialAttentionResult>> compute, BatchingCounters? counters = null)
    {
        _schedule = schedule;
        _compute = compute;
        Counters = counters ?? new BatchingCounters();
    }

    /// <summary>Requests answered and passes run (fewer passes than requests when requests were batched).</summary>
    public BatchingCounters Counters { get; }

    /// <summary>The partial attention of <paramref name="queries"/> for <paramref name="layer"/> (a key).</summary>
    public Task<PartialAttentionResult> AttendAsync(TKey layer, TQuery queries)
    {
        var answer = new TaskCompletionSource<PartialAttentionResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool first;
        lock (_gate)
        {
            first = !_waiting.TryGetValue(layer, out var list);
            if (first) _waiting[layer] = list = [];
            list!.Add(new Waiting(queries, answer));
        }
        if (first)
        {
            _ = _schedule(() => Flush(layer)).ContinueWith(t =>
            {
                // The scheduler refused (shutting down): nobody will flush this layer, so fail its waiters.
                if (t.IsFaulted) Fail(Take(layer), t.Exception!.GetBaseException());
            }, TaskScheduler.Default);
        }
        return answer.Task;
    }

    private void Flush(TKey layer)
    {
        var batch = Take(layer);
        if (batch.Count == 0) return;
        Counters.CountPass(batch.Count);
        try
        {
            var results = _compute(layer, batch.Select(w => w.Queries).ToArray());
            for (int i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(results[i]);
        }
        catch (Exception e)
        {
            Fail(batch, e);
        }
    }

    private List<Waiting> Take(TKey layer)
    {
        lock (_gate)
        {
            return _waiting.Remove(layer, out var list) ? list : [];
        }
    }

    private static void Fail(List<Waiting> batch, Exception e)
    {
        foreach (var w in batch) w.Answer.TrySetException(e);
    }

    private sealed record Waiting(TQuery Queries, TaskCompletionSource<PartialAttentionResult> Answer);
}
