using Summarizer.Contracts;

namespace Summarizer.Grains.Summaries.Events;

/// <summary>
/// The durable, append-only log of a job's events: a Redis list per job when grain state is in Redis
/// (<see cref="RedisJobEventStore"/>), the cluster's memory otherwise (<see cref="MemoryJobEventStore"/>). Events are
/// numbered from 1 with no gaps; the store itself refuses to give a number to two different events, so a job resumed
/// after its silo died, or an activation that outlived its replacement, can never rewrite what a watcher was shown.
/// </summary>
public interface IJobEventStore
{
    /// <summary>The job's events numbered after <paramref name="afterSequence"/>, in order.</summary>
    Task<IReadOnlyList<SummaryEvent>> ReadAsync(string jobId, long afterSequence);

    /// <summary>
    /// Appends <paramref name="events"/>, numbered consecutively from one past the last stored, and completes once they
    /// are durable. Appending events that are already stored, byte for byte, succeeds (a retried append whose reply was
    /// lost); anything else at those numbers, or a gap, throws <see cref="EventLogConflictException"/>.
    /// </summary>
    Task AppendAsync(string jobId, IReadOnlyList<SummaryEvent> events);
}

/// <summary>
/// The job's log already holds other events at the numbers this activation was about to use: another activation of the
/// job has published since this one loaded the log. This activation must stop publishing.
/// </summary>
public sealed class EventLogConflictException(string jobId, long sequence)
    : Exception($"The event log of job {jobId} already holds a different event {sequence}; this activation is stale.");
