using Summarizer.Contracts;
using Summarizer.Grains.Distributed;
using static TorchSharp.torch;

namespace Summarizer.Grains.Tests.Distributed;

public sealed class QueryCoalescerTests
{
    private const int Heads = 4, HeadDim = 8, Length = 37;

    private static QueryBatch Queries(int batch, int seed)
    {
        var random = new Random(seed);
        return new QueryBatch(batch, Heads, 1, HeadDim, Enumerable.Range(0, batch * Heads * HeadDim).Select(_ => (float)random.NextDouble() - 0.5f).ToArray());
    }

    private static (Tensor K, Tensor V) Shard()
    {
        manual_seed(7);
        return (randn(Heads, Length, HeadDim).to_type(ScalarType.Float16), randn(Heads, Length, HeadDim).to_type(ScalarType.Float16));
    }

    // CPU GEMM (MKL) may round the last bit differently with another memory alignment, so "equal" means within
    // float rounding here; what the pass shares is the widened K/V, never a caller's products.
    private static void Close(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5f * Math.Max(1f, Math.Abs(expected[i])), $"[{i}] {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void BatchedPartialsEqualEachCallersOwnPartials()
    {
        var (k, v) = Shard();
        QueryBatch[] callers = [Queries(1, 1), Queries(4, 2), Queries(2, 3), new QueryBatch(1, Heads, 3, HeadDim, Queries(3, 4).Values)];

        var together = ShardPartials.Compute(k, v, callers);

        for (int i = 0; i < callers.Length; i++)
        {
            var alone = ShardPartials.Compute(k, v, [callers[i]])[0];
            Close(alone.Output, together[i].Output);
            Close(alone.LogSumExp, together[i].LogSumExp);
        }
    }

    [Fact]
    public async Task RequestsArrivingBeforeTheComputationRunsShareOnePassPerLayer()
    {
        var (k, v) = Shard();
        var scheduled = new List<Action>();
        var computedBatches = new List<int>();
        var coalescer = new QueryCoalescer<int, QueryBatch>(action => { scheduled.Add(action); return Task.CompletedTask; }, (layer, batches) =>
        {
            computedBatches.Add(batches.Count);
            return ShardPartials.Compute(k, v, batches);
        });

        var first = coalescer.AttendAsync(0, Queries(2, 10));
        var second = coalescer.AttendAsync(0, Queries(1, 11));
        var otherLayer = coalescer.AttendAsync(1, Queries(1, 12));
        var third = coalescer.AttendAsync(0, Queries(3, 13));
        Assert.Equal(2, scheduled.Count); // one per layer, however many callers
        Assert.False(first.IsCompleted);

        foreach (var run in scheduled) run();

        Assert.Equal([3, 1], computedBatches);
        Assert.Equal(4, coalescer.Counters.Requests);
        Assert.Equal(2, coalescer.Counters.Passes);
        Close(ShardPartials.Compute(k, v, [Queries(1, 11)])[0].Output, (await second).Output);
        Close(ShardPartials.Compute(k, v, [Queries(3, 13)])[0].LogSumExp, (await third).LogSumExp);
        await first;
        await otherLayer;

        // Once a layer's pass has run, the next request schedules a new one.
        var later = coalescer.AttendAsync(0, Queries(1, 14));
        Assert.Equal(3, scheduled.Count);
        scheduled[2]();
        Close(ShardPartials.Compute(k, v, [Queries(1, 14)])[0].Output, (await later).Output);
    }

    [Fact]
    public async Task AFailedPassFailsEveryCallerThatRodeOnIt()
    {
        var scheduled = new List<Action>();
        var coalescer = new QueryCoalescer<int, QueryBatch>(action => { scheduled.Add(action); return Task.CompletedTask; },
            (_, _) => throw new InvalidOperationException("shard gone"));
        var a = coalescer.AttendAsync(0, Queries(1, 1));
        var b = coalescer.AttendAsync(0, Queries(1, 2));
        scheduled.Single()();
        Assert.Equal("shard gone", (await Assert.ThrowsAsync<InvalidOperationException>(() => a)).Message);
        Assert.Equal("shard gone", (await Assert.ThrowsAsync<InvalidOperationException>(() => b)).Message);
    }

    [Fact]
    public async Task ARefusedScheduleFailsTheWaitingCallersInsteadOfLeavingThemHanging()
    {
        var coalescer = new QueryCoalescer<int, QueryBatch>(_ => Task.FromException(new ObjectDisposedException("shard-attention")), (_, _) => []);
        var call = coalescer.AttendAsync(0, Queries(1, 1));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => call.WaitAsync(TimeSpan.FromMinutes(1)));
    }
}
