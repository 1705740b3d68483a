using Microsoft.Extensions.DependencyInjection;
using Summarizer.Grains.Inference;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Occupies the silo's inference scheduler thread with a work item that waits until <see cref="Open"/>, as a long encode would:
/// jobs submitted meanwhile are accepted and stay running (encoding), holding their slots, for as long as the test
/// needs, with no dependence on how fast the machine is. Needs the model loaded first (loading runs there too).
/// </summary>
public sealed class InferenceGate : IDisposable
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task[] _blockers;

    /// <summary>Blocks the inference scheduler's thread of <paramref name="app"/>.</summary>
    public InferenceGate(SiloApp app)
    {
        var scheduler = app.Services.GetRequiredService<InferenceScheduler>();
        _blockers = [scheduler.RunAsync(_ => { _open.Task.Wait(); return 0; })];
    }

    /// <summary>Lets the inference scheduler go on.</summary>
    public void Open() => _open.TrySetResult();

    /// <inheritdoc />
    public void Dispose()
    {
        Open();
        Task.WaitAll(_blockers, TimeSpan.FromSeconds(30));
    }
}
