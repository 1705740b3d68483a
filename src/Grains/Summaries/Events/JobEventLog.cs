using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Summarizer.Contracts;
using Summarizer.Grains.Resilience;

namespace Summarizer.Grains.Summaries.Events;

/// <summary>
/// One job's events as its activation knows them: numbered from 1 with no gaps, appended to the job's durable log
/// (<see cref="IJobEventStore"/>) before anyone can see them, replayed to late and reconnecting watchers, and waking live
/// ones. While the store is unreachable an append waits, so the job stops publishing until the store is back, then
/// goes on: a watcher is never shown an event that was not stored. What the job published so far (its tokens and text)
/// is read from here, not kept in the job's state.
/// </summary>
public sealed class JobEventLog(string jobId, IJobEventStore store, ILogger logger)
{
    private const string Store = "job event store";

    /// <summary>A watcher waiting this long with nothing new looks again, so it ends even if nobody wakes it.</summary>
    private static readonly TimeSpan WatchRecheck = TimeSpan.FromSeconds(20);

    private readonly List<SummaryEvent> _events = [];
    private Task? _loading;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _closed;

    /// <summary>The events, in order.</summary>
    public IReadOnlyList<SummaryEvent> Events => _events;

    /// <summary>Number of the last event (0 before the first).</summary>
    public long LastSequence => _events.Count == 0 ? 0 : _events[^1].Sequence;

    /// <summary>The final event (done or error), once published.</summary>
    public SummaryEvent? Terminal => _events.Count > 0 && _events[^1].IsTerminal ? _events[^1] : null;

    /// <summary>The last progress event published, if any.</summary>
    public SummaryEvent? LastProgress => _events.LastOrDefault(e => e.Kind == SummaryEventKind.Progress);

    /// <summary>Token ids published so far, in order.</summary>
    public IReadOnlyList<int> TokenIds => _events.Where(e => e.Kind == SummaryEventKind.Delta).SelectMany(e => e.TokenIds).ToArray();

    /// <summary>Text published so far.</summary>
    public string Text => string.Concat(_events.Where(e => e.Kind == SummaryEventKind.Delta).Select(e => e.Text));

    /// <summary>Reads the stored log, once per activation, waiting out store outages.</summary>
    public Task LoadAsync()
    {
        if (_loading is null || _loading.IsFaulted || _loading.IsCanceled) _loading = LoadCoreAsync();
        return _loading;
    }

    /// <summary>Reads the stored log again (another activation appended to it).</summary>
    public Task ReloadAsync()
    {
        _loading = null;
        return LoadAsync();
    }

    private async Task LoadCoreAsync()
    {
        var stored = await StoreCalls.RunAsync(Store, () => store.ReadAsync(jobId, 0), StoreCalls.Forever, logger);
        _events.Clear();
        _events.AddRange(stored);
    }

    /// <summary>
    /// Numbers <paramref name="e"/>, makes it durable, then shows it to watchers. Waits for as long as the store is
    /// unreachable (only <paramref name="cancellationToken"/> ends the wait: the activation is going away).
    /// </summary>
    /// <exception cref="EventLogConflictException">Another activation of the job published since this one loaded the log.</exception>
    public async Task<SummaryEvent> AppendAsync(SummaryEvent e, CancellationToken cancellationToken = default)
    {
        await LoadAsync();
        var numbered = e with { Sequence = LastSequence + 1, TokenIds = e.TokenIds.ToArray() };
        var clock = Stopwatch.StartNew();
        await StoreCalls.RunAsync(Store, () => store.AppendAsync(jobId, [numbered]), StoreCalls.Forever, logger, cancellationToken);
        if (clock.Elapsed > TimeSpan.FromSeconds(1))
            logger.LogWarning("Job {Job} published event {Sequence} after waiting {Seconds:F1} s for its event store.", jobId, numbered.Sequence, clock.Elapsed.TotalSeconds);
        _events.Add(numbered);
        Wake();
        return numbered;
    }

    /// <summary>
    /// Events after <paramref name="afterSequence"/>: those already published, then live ones, ending with the final
    /// event. A watch that starts at or beyond the end of a finished job ends at once; a watch ends without a final event
    /// when the activation closes (the job moves or its silo stops), and the client resumes it from its last event.
    /// </summary>
    public async IAsyncEnumerable<SummaryEvent> WatchAsync(long afterSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await LoadAsync();
        while (!cancellationToken.IsCancellationRequested)
        {
            var changed = _changed.Task;
            for (int i = 0; i < _events.Count; i++)
            {
                var e = _events[i];
                if (e.Sequence <= afterSequence) continue;
                yield return e;
                afterSequence = e.Sequence;
                if (e.IsTerminal) yield break;
            }
            if (_closed || Terminal is not null) yield break;
            try { await changed.WaitAsync(WatchRecheck, cancellationToken); }
            catch (TimeoutException) { }
            catch (OperationCanceledException) { yield break; }
        }
    }

    /// <summary>Ends every watch without a final event: the activation is leaving (moving, or its silo stopping).</summary>
    public void Close()
    {
        _closed = true;
        Wake();
    }

    private void Wake()
    {
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }
}
