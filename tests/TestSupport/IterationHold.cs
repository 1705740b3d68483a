using System.Collections.Concurrent;
using Summarizer.Model.Scheduling;

namespace Summarizer.TestSupport;

/// <summary>
/// Subscribed to a scheduler's <c>Iterated</c> event, records every iteration's report and holds the scheduler's thread
/// at the end of the first iteration <paramref name="when"/> accepts, until <see cref="Release"/>: a test acts while the
/// batch is known to hold the jobs it needs (nothing decodes meanwhile), with no dependence on the machine's speed.
/// </summary>
public sealed class IterationHold(Func<IterationReport, bool> when) : IDisposable
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _released = new();
    private int _held;

    /// <summary>Every report so far, in order.</summary>
    public ConcurrentQueue<IterationReport> Reports { get; } = new();

    /// <summary>Completes when the scheduler is held.</summary>
    public Task Reached => _reached.Task;

    /// <summary>The handler to subscribe.</summary>
    public void OnIterated(IterationReport report)
    {
        Reports.Enqueue(report);
        if (!when(report) || Interlocked.Exchange(ref _held, 1) == 1) return;
        _reached.TrySetResult();
        _released.Wait(TimeSpan.FromMinutes(2));
    }

    /// <summary>Unsubscribes <see cref="OnIterated"/> from the scheduler when the hold is disposed (a scheduler that outlives the test).</summary>
    public Action? Detach { get; init; }

    /// <summary>Lets the scheduler go on.</summary>
    public void Release() => _released.Set();

    /// <inheritdoc />
    public void Dispose()
    {
        Release();
        Detach?.Invoke();
    }
}
