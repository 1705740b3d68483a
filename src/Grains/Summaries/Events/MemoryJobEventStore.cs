using Summarizer.Contracts;

namespace Summarizer.Grains.Summaries.Events;

/// <summary>
/// Job events in the cluster's memory (grain storage <c>memory</c>), with the same append rules as Redis: spread over
/// <see cref="Partitions"/> grains by a stable hash of the job id, so any silo finds a job's log wherever the job moves.
/// Like Orleans' memory grain storage, a log is lost with the silo holding its partition.
/// </summary>
public sealed class MemoryJobEventStore(IGrainFactory grains) : IJobEventStore
{
    /// <summary>Number of partition grains.</summary>
    public const int Partitions = 16;

    /// <inheritdoc />
    public Task<IReadOnlyList<SummaryEvent>> ReadAsync(string jobId, long afterSequence) => Partition(jobId).ReadAsync(jobId, afterSequence);

    /// <inheritdoc />
    public async Task AppendAsync(string jobId, IReadOnlyList<SummaryEvent> events)
    {
        if (!await Partition(jobId).AppendAsync(jobId, events)) throw new EventLogConflictException(jobId, events[0].Sequence);
    }

    private IJobEventLogGrain Partition(string jobId)
    {
        // FNV-1a: the same partition on every silo and process (string.GetHashCode is randomized per process).
        uint hash = 2166136261;
        foreach (char c in jobId) hash = (hash ^ c) * 16777619;
        return grains.GetGrain<IJobEventLogGrain>(hash % Partitions);
    }
}

/// <summary>One partition of the in-memory job event logs.</summary>
[Alias("summarizer.IJobEventLogGrain")]
public interface IJobEventLogGrain : IGrainWithIntegerKey
{
    /// <summary>The job's events after <paramref name="afterSequence"/>.</summary>
    [Alias("Read")]
    Task<IReadOnlyList<SummaryEvent>> ReadAsync(string jobId, long afterSequence);

    /// <summary>Appends (see <see cref="IJobEventStore.AppendAsync"/>); false on a conflict or a gap.</summary>
    [Alias("Append")]
    Task<bool> AppendAsync(string jobId, IReadOnlyList<SummaryEvent> events);
}

/// <summary>Holds the event logs of the jobs hashed to it; never collected while its silo lives.</summary>
[KeepAlive]
public sealed class JobEventLogGrain : Grain, IJobEventLogGrain
{
    private readonly Dictionary<string, List<SummaryEvent>> _logs = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<IReadOnlyList<SummaryEvent>> ReadAsync(string jobId, long afterSequence) =>
        Task.FromResult<IReadOnlyList<SummaryEvent>>(_logs.TryGetValue(jobId, out var log) ? log.Skip((int)Math.Min(afterSequence, log.Count)).ToArray() : []);

    /// <inheritdoc />
    public Task<bool> AppendAsync(string jobId, IReadOnlyList<SummaryEvent> events)
    {
        if (events.Count == 0) return Task.FromResult(true);
        if (!_logs.TryGetValue(jobId, out var log)) _logs[jobId] = log = [];
        long first = events[0].Sequence;
        if (log.Count == first - 1)
        {
            log.AddRange(events);
            return Task.FromResult(true);
        }
        if (log.Count < first - 1 + events.Count) return Task.FromResult(false);
        return Task.FromResult(events.Select((e, i) => Same(log[(int)(first - 1) + i], e)).All(same => same));
    }

    private static bool Same(SummaryEvent a, SummaryEvent b) =>
        a with { TokenIds = [] } == b with { TokenIds = [] } && a.TokenIds.SequenceEqual(b.TokenIds);
}
