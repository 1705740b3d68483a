using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Summarizer.Model.Scheduling;

namespace Summarizer.Grains.Inference;

/// <summary>
/// A pool of dedicated threads running queued tensor work, never on the Orleans scheduler, so a long forward pass
/// cannot stall grain turns (or heartbeats), and TorchSharp's thread-local state (no_grad, dispose scopes) stays on one
/// thread per work item. It serves the shard grains' attention (<see cref="ShardAttentionWorker"/>); the silo's encoder
/// and decoder runs go through its <see cref="InferenceScheduler"/>.
/// </summary>
public sealed class InferenceWorker : IInferenceQueue, IDisposable
{
    private readonly Channel<WorkCompletion> _queue = Channel.CreateUnbounded<WorkCompletion>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Thread[] _threads;
    private readonly ILogger<InferenceWorker> _logger;
    private int _pending;

    /// <summary>Starts <paramref name="threads"/> threads named <paramref name="name"/>-N.</summary>
    public InferenceWorker(int threads, ILogger<InferenceWorker> logger, string name = "inference")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _logger = logger;
        _threads = Enumerable.Range(0, threads).Select(i => new Thread(Loop) { IsBackground = true, Name = $"{name}-{i}" }).ToArray();
        foreach (var t in _threads) t.Start();
    }

    /// <summary>Work items queued or running.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Runs <paramref name="work"/> on an inference thread and completes with its result. Cancelled while still queued,
    /// it completes at once and never runs; once running, it completes only when the work has stopped (so what the work
    /// reads stays valid until then).
    /// </summary>
    public Task<T> RunAsync<T>(Func<CancellationToken, T> work, CancellationToken cancellationToken = default)
    {
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var item = WorkCompletion.Bind(work, cancellationToken, completion);
        Interlocked.Increment(ref _pending);
        if (!_queue.Writer.TryWrite(item))
        {
            Interlocked.Decrement(ref _pending);
            item.Abandon(new ObjectDisposedException(nameof(InferenceWorker)));
        }
        return completion.Task;
    }

    private void Loop()
    {
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (reader.TryRead(out var item))
            {
                try { item.Run(); }
                catch (Exception e) { _logger.LogError(e, "Inference work item failed outside its own handler."); }
                finally { Interlocked.Decrement(ref _pending); }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        foreach (var t in _threads) t.Join(TimeSpan.FromSeconds(30));
    }
}
