using Summarizer.Model.Bart;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Bart;

/// <summary>
/// The scalars the model hands to libtorch stay alive during each native call (<see cref="Scalars"/>): masks built on
/// several threads while another thread collects garbage and runs finalizers non-stop keep exactly their fill values.
/// With scalars made on the fly (the code before <see cref="Scalars"/>) this failed about every other run with
/// libtorch's "Expected false to be true ... toFloat": the scalar had been finalized during the call.
/// </summary>
public sealed class ScalarLifetimeTests
{
    [Fact]
    public async Task AttentionMasksKeepTheirFillValuesWhileGarbageIsCollectedOnAnotherThread()
    {
        const int length = 1 << 18;
        // Every third key is padding; the mask is long so each native call runs long enough for a collection to land in it.
        var keep = Enumerable.Range(0, length).Select(i => i % 3 == 2 ? 0L : 1L).ToArray();
        // The test's own scalars are held for the whole run, so only the model's are under test.
        using var lowest = float.MinValue.ToScalar();
        using var zero = 0f.ToScalar();
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            Parallel.For(0, 4, _ =>
            {
                for (int i = 0; i < 300; i++)
                {
                    using var scope = NewDisposeScope();
                    var padding = AttentionMasks.Padding(tensor(keep).unsqueeze(0), ScalarType.Float32);
                    var blocked = padding.eq(lowest).sum().item<long>();
                    var open = padding.eq(zero).sum().item<long>();
                    Assert.Equal((length / 3, length - length / 3), (blocked, open));
                    var causal = AttentionMasks.Causal(3, 2, ScalarType.Float32, CPU).data<float>().ToArray();
                    for (int r = 0; r < 3; r++)
                        for (int c = 0; c < 5; c++)
                            Assert.Equal(c <= 2 + r ? 0f : float.MinValue, causal[r * 5 + c]);
                }
            });
        }
        finally
        {
            stop.Cancel();
            await collector;
        }
    }
}
