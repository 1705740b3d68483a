using Microsoft.Extensions.DependencyInjection;
using Summarizer.Grains.Inference;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Occupies the silo's inference threads with work items that wait until <see cref="Open"/>, as a long job would:
/// jobs submitted meanwhile are accepted and stay running (encoding), holding their slots, for as long as the test
/// needs, with no dependence on how fast the machine is. Needs the model loaded first (loading runs there too).
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task[] _blockers;

    /// <summary>Blocks <paramref name="threads"/> inference threads of <paramref name="app"/>.</summary>
    public InferenceGate(SiloApp app, int threads = 1)
    {
        var worker = app.Services.GetRequiredService<InferenceWorker>();
        _blockers = Enumerable.Range(0, threads).Select(_ => (Task)worker.RunAsync(_ => { _open.Task.Wait(); return 0; })).ToArray();
    }

    /// <summary>Lets the inference threads go on.</summary>
    public void Open() => _open.TrySetResult();

    /// <inheritdoc />
    public void Dispose()
    {
        Open();
        Task.WaitAll(_blockers, TimeSpan.FromSeconds(30));
    }
}
