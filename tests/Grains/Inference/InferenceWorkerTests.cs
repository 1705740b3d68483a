using Microsoft.Extensions.Logging.Abstractions;
using Summarizer.Grains.Inference;

namespace Summarizer.Grains.Tests.Inference;

public sealed class InferenceWorkerTests
{
    [Fact]
    public async Task AnItemCancelledWhileQueuedCompletesAtOnceAndNeverRunsWhileARunningOneCompletesOnlyWhenItStops()
    {
        using var worker = new InferenceWorker(1, NullLogger<InferenceWorker>.Instance);
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        using var cancelRunning = new CancellationTokenSource();
        var running = worker.RunAsync(ct =>
        {
            started.Set();
            release.Wait();
            return 1;
        }, cancelRunning.Token);
        started.Wait();
        using var cancelQueued = new CancellationTokenSource();
        bool ran = false;
        var queued = worker.RunAsync(_ => ran = true, cancelQueued.Token);

        cancelQueued.Cancel();
        cancelRunning.Cancel();

        // The queued one is over although the thread is still busy; the running one is not, until its work returns.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued);
        Assert.False(running.IsCompleted);
        release.Set();
        Assert.Equal(1, await running);
        await worker.RunAsync(_ => 0);
        Assert.False(ran);
    }
}
