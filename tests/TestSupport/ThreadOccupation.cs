namespace Summarizer.TestSupport;

/// <summary>
/// Occupies a single-threaded queue (a silo's inference scheduler) with a work item that waits until
/// <see cref="ReleaseAsync"/>. <see cref="OccupyAsync"/> returns only once the item is running, so whatever a test submits
/// afterwards is known to wait behind it: a submission that raced the item onto the thread would be taken into the
/// iteration that runs the item, and never be seen queued.
/// </summary>
public sealed class ThreadOccupation : IDisposable
{
    private readonly ManualResetEventSlim _released = new();
    private Task _item = Task.CompletedTask;

    private ThreadOccupation() { }

    /// <summary>Posts the holding item with <paramref name="post"/> and waits until the thread runs it.</summary>
    public static async Task<ThreadOccupation> OccupyAsync(Func<Func<CancellationToken, bool>, Task<bool>> post, TimeSpan holdAtMost)
    {
        var occupation = new ThreadOccupation();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        occupation._item = post(_ =>
        {
            running.TrySetResult();
            return occupation._released.Wait(holdAtMost);
        });
        if (await Task.WhenAny(running.Task, occupation._item) == running.Task) return occupation;
        await occupation._item; // faulted or cancelled: rethrows why
        throw new InvalidOperationException("The holding item ended without running.");
    }

    /// <summary>Lets the thread go on and waits for the holding item to end.</summary>
    public async Task ReleaseAsync()
    {
        _released.Set();
        await _item;
    }

    /// <inheritdoc />
    public void Dispose() => _released.Set();
}
