using Microsoft.Extensions.Logging.Abstractions;
using Summarizer.Contracts;
using Summarizer.Grains.Summaries.Events;

namespace Summarizer.Grains.Tests.Summaries.Events;

/// <summary>The event log of one activation: nothing is shown before the store has it; watches end where they must.</summary>
public sealed class JobEventLogTests
{
    /// <summary>A store whose appends fail (as Redis does when it is down) until it is opened.</summary>
    private sealed class UnreachableStore : IJobEventStore
    {
        private readonly List<SummaryEvent> _stored = [];

        public volatile bool Reachable;

        public int FailedAppends;

        public IReadOnlyList<SummaryEvent> Stored { get { lock (_stored) return _stored.ToArray(); } }

        public Task<IReadOnlyList<SummaryEvent>> ReadAsync(string jobId, long afterSequence) =>
            Task.FromResult<IReadOnlyList<SummaryEvent>>(Stored.Where(e => e.Sequence > afterSequence).ToArray());

        public Task AppendAsync(string jobId, IReadOnlyList<SummaryEvent> events)
        {
            if (!Reachable)
            {
                Interlocked.Increment(ref FailedAppends);
                return Task.FromException(new StorageUnavailableException("The job event store (Redis) is unreachable (UnableToConnect).", transient: true));
            }
            lock (_stored) _stored.AddRange(events);
            return Task.CompletedTask;
        }
    }

    [Fact]
    public async Task AnEventReachesWatchersOnlyOnceStoredAndTheLogWaitsForTheStoreInsteadOfFailing()
    {
        var store = new UnreachableStore { Reachable = true };
        var log = new JobEventLog("job", store, NullLogger.Instance);
        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Delta, Text = "a", TokenIds = [1] });
        var seen = new List<SummaryEvent>();
        using var stop = new CancellationTokenSource();
        var watching = Task.Run(async () => { await foreach (var e in log.WatchAsync(0, stop.Token)) lock (seen) seen.Add(e); });

        store.Reachable = false;
        var paused = log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Delta, Text = "b", TokenIds = [2] });
        while (Volatile.Read(ref store.FailedAppends) < 2) await Task.Delay(50);

        // The store has refused the append twice: nobody has seen it, and the append is still waiting.
        Assert.False(paused.IsCompleted);
        lock (seen) Assert.Equal(["a"], seen.Select(e => e.Text));
        Assert.Equal(1, log.LastSequence);

        store.Reachable = true;
        var published = await paused;
        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Done, Text = "ab", TokenIds = [1, 2] });
        await watching;

        Assert.Equal(2, published.Sequence);
        Assert.Equal(store.Stored.Select(e => (e.Sequence, e.Text)), seen.Select(e => (e.Sequence, e.Text)));
        Assert.Equal([1L, 2, 3], seen.Select(e => e.Sequence));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(99)]
    public async Task AWatchFromTheEndOfAFinishedLogOrBeyondEndsWithNothing(long after)
    {
        var store = new UnreachableStore { Reachable = true };
        var log = new JobEventLog("job", store, NullLogger.Instance);
        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Progress, ShardsDone = 1, ShardsTotal = 1 });
        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Delta, Text = "a", TokenIds = [1] });
        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Done, Text = "a", TokenIds = [1] });

        var events = new List<SummaryEvent>();
        await foreach (var e in log.WatchAsync(after)) events.Add(e);

        Assert.Empty(events);
    }

    [Fact]
    public async Task AWatchBeyondTheEndOfARunningJobEndsWhenTheJobEnds()
    {
        var store = new UnreachableStore { Reachable = true };
        var log = new JobEventLog("job", store, NullLogger.Instance);
        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Delta, Text = "a", TokenIds = [1] });
        var events = new List<SummaryEvent>();
        var watching = Task.Run(async () => { await foreach (var e in log.WatchAsync(50)) events.Add(e); });

        await log.AppendAsync(new SummaryEvent { Kind = SummaryEventKind.Error, Error = "cancelled" });
        await watching;

        Assert.Empty(events);
    }
}
