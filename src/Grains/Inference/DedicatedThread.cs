namespace Summarizer.Grains.Inference;

/// <summary>
/// Runs one long, mostly waiting piece of tensor work on a thread of its own. Distributed decoding spends most of
/// each step blocked on shard grains; doing that on an <see cref="InferenceWorker"/> thread would hold the queue
/// that encoding and shard exports on the same silo need — which those very shard grains may be waiting for.
/// </summary>
public static class DedicatedThread
{
    /// <summary>Runs <paramref name="work"/> on a new background thread named <paramref name="name"/>.</summary>
    public static Task<T> RunAsync<T>(string name, Func<CancellationToken, T> work, CancellationToken cancellationToken)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                completion.TrySetResult(work(cancellationToken));
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { completion.TrySetCanceled(cancellationToken); }
            catch (Exception e) { completion.TrySetException(e); }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return completion.Task;
    }
}
