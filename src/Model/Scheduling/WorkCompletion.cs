namespace Summarizer.Model.Scheduling;

/// <summary>
/// How a queued work item reports to whoever awaits it: its result, its own exception, or cancellation. Cancelled while
/// still queued, it completes at once and never runs; once running, it completes only when the work has stopped (so
/// what the work reads stays valid until then).
/// </summary>
public sealed class WorkCompletion
{
    private const int Queued = 0, Running = 1, Dropped = 2;
    private readonly Action _run;
    private readonly Action<Exception> _abandon;
    private readonly CancellationTokenRegistration _whileQueued;
    private int _state = Queued;

    private WorkCompletion(Action run, Action<Exception> abandon, Func<WorkCompletion, CancellationTokenRegistration> register)
    {
        _run = run;
        _abandon = abandon;
        _whileQueued = register(this);
    }

    /// <summary>
    /// Wraps <paramref name="work"/> as an item to run later on a worker thread, completing <paramref name="completion"/>:
    /// cancelled at once if <paramref name="cancellationToken"/> fires while it waits, cancelled if it gave up on that
    /// token, faulted with any other exception it throws.
    /// </summary>
    public static WorkCompletion Bind<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken, TaskCompletionSource<T> completion) =>
        new(() =>
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    completion.TrySetCanceled(cancellationToken);
                    return;
                }
                try { completion.TrySetResult(work(cancellationToken)); }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { completion.TrySetCanceled(cancellationToken); }
                catch (Exception e) { completion.TrySetException(e); }
            },
            e => completion.TrySetException(e),
            item => cancellationToken.Register(() =>
            {
                if (Interlocked.CompareExchange(ref item._state, Dropped, Queued) == Queued) completion.TrySetCanceled(cancellationToken);
            }));

    /// <summary>Whether the item was dropped (cancelled while queued): running it does nothing.</summary>
    public bool IsDropped => Volatile.Read(ref _state) == Dropped;

    /// <summary>Runs the work on the calling thread unless it was dropped while queued.</summary>
    public void Run()
    {
        _whileQueued.Dispose();
        if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued) return;
        _run();
    }

    /// <summary>Completes the item with <paramref name="error"/> without running it (its queue stopped).</summary>
    public void Abandon(Exception error)
    {
        _whileQueued.Dispose();
        if (Interlocked.CompareExchange(ref _state, Dropped, Queued) == Queued) _abandon(error);
    }
}
