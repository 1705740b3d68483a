namespace Summarizer.Grains.Inference;

/// <summary>
/// Threads that run tensor work off the Orleans scheduler: the silo's <see cref="InferenceScheduler"/> (between decoding
/// iterations) or a plain pool of them (<see cref="InferenceWorker"/>, behind the shard grains' attention).
/// </summary>
public interface IInferenceQueue
{
    /// <summary>
    /// Runs <paramref name="work"/> on the queue's thread and completes with its result. Cancelled while still queued, it
    /// completes at once and never runs; once running, it completes only when the work has stopped.
    /// </summary>
    Task<T> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken = default);

    /// <summary>Work queued or running (for diagnostics and idleness).</summary>
    int Pending { get; }
}
