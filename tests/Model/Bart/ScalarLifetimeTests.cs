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
public sealed class ScalarLifetimeTests(Xunit.Abstractions.ITestOutputHelper output)
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

    /// <summary>
    /// The race itself, on the smallest case: <c>a + b</c> passes libtorch a temporary alpha of 1. Many short adds on
    /// more threads than cores (so some are preempted inside the native call) while another thread collects and runs
    /// finalizers: the bare operator fails now and then ("Expected false to be true ... toFloat": the alpha was freed
    /// before the kernel read it; about 1 in 20,000 calls on the 2-core development machine), the rooted alpha never.
    /// Each form runs for the same bounded time and call count; the failure counts go to the test output.
    /// </summary>
    [Fact]
    public void TensorAdditionWithARootedAlphaNeverFailsUnderForcedCollectionsWhileTheBareOperatorCan()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 });
        using var b = tensor(new float[] { 10, 20, 30, 40 });
        var budget = TimeSpan.FromSeconds(3);
        const long maxCalls = 400_000;

        var bare = Hammer(() => a + b, budget, maxCalls);
        var rooted = Hammer(() => a.add(b, Scalars.One), budget, maxCalls);

        output.WriteLine($"bare a + b: {bare.Failures} failures in {bare.Calls} calls ({bare.FirstError ?? "no error"})");
        output.WriteLine($"a.add(b, Scalars.One): {rooted.Failures} failures in {rooted.Calls} calls");
        Assert.True(rooted.Failures == 0, $"{rooted.Failures} rooted adds failed: {rooted.FirstError}");
        Assert.True(rooted.Calls >= 10_000, $"only {rooted.Calls} rooted adds ran");
        // A sum that comes back wrong without an error would be a failure too: the last one is checked.
        using var sum = a.add(b, Scalars.One);
        Assert.Equal(new float[] { 11, 22, 33, 44 }, sum.data<float>().ToArray());
    }

    private sealed record HammerResult(long Calls, long Failures, string? FirstError);

    /// <summary>
    /// Runs <paramref name="add"/> on twice as many threads as cores until <paramref name="budget"/> or
    /// <paramref name="maxCalls"/>, while a collector thread forces full collections and waits for finalizers.
    /// </summary>
    private static HammerResult Hammer(Func<Tensor> add, TimeSpan budget, long maxCalls)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long calls = 0, failures = 0;
        string? firstError = null;
        bool done = false;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref done))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        var workers = Enumerable.Range(0, 2 * Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            while (clock.Elapsed < budget && Interlocked.Read(ref calls) < maxCalls)
            {
                for (int i = 0; i < 100; i++)
                {
                    try
                    {
                        using var sum = add();
                    }
                    catch (Exception e)
                    {
                        Interlocked.Increment(ref failures);
                        Interlocked.CompareExchange(ref firstError, e.Message.Split('\n')[0], null);
                    }
                }
                Interlocked.Add(ref calls, 100);
            }
        })).ToList();
        collector.Start();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        Volatile.Write(ref done, true);
        collector.Join();
        return new HammerResult(calls, failures, firstError);
    }
}
