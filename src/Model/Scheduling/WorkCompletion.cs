namespace Summarizer.Model.Scheduling;

/// <summary>How a queued work item reports to whoever awaits it: its result, its own exception, or cancellation.</summary>
public static class WorkCompletion
{
    /// <summary>
    /// Wraps <paramref name="work"/> as an action to run later on a worker thread, completing
    /// <paramref name="completion"/>: cancelled without running if <paramref name="cancellationToken"/> fired while it
    /// waited, cancelled if it gave up on that token, faulted with any other exception it throws.
    /// </summary>
    public static Action Bind<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken, TaskCompletionSource<T> completion) => () =>
    {
        if (cancellationToken.IsCancellationRequested)
        {
            completion.TrySetCanceled(cancellationToken);
            return;
        }
        try { completion.TrySetResult(work(cancellationToken)); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { completion.TrySetCanceled(cancellationToken); }
        catch (Exception e) { completion.TrySetException(e); }
    };
}
