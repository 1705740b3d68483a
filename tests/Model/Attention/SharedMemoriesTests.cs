using Summarizer.Model.Attention;
using Summarizer.Model.Tests.Scheduling;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Attention;

public sealed class SharedMemoriesTests
{
    private static float[] Attend(ICrossAttentionMemory memory, int seed)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator((ulong)seed);
        var query = randn([2, 4, 1, 8], generator: generator);
        return memory.Attend(0, query).data<float>().ToArray();
    }

    [Fact]
    public void JobsOnOneDocumentAndModeShareOneMemoryWhichLastsUntilTheLastLeaseIsGivenBack()
    {
        using var model = EngineHarness.NewModel();
        var shards = EngineHarness.Document(model, 150, 3);
        var memories = new SharedMemories();
        using var alone = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);

        var first = memories.Acquire("doc", CrossAttentionMode.Exact, shards, null);
        var second = memories.Acquire("doc", CrossAttentionMode.Exact, shards, null);
        var sparse = memories.Acquire("doc", CrossAttentionMode.Sparse(1), shards, null);
        var other = memories.Acquire("other", CrossAttentionMode.Exact, shards, null);

        Assert.NotNull(first.FoldKey);
        Assert.Same(first.FoldKey, second.FoldKey);
        Assert.NotSame(first.FoldKey, other.FoldKey);
        Assert.Null(sparse.FoldKey);
        Assert.Equal(3, memories.Count);
        Assert.Equal(Attend(alone, 1), Attend(second, 1));

        // The first job leaves (twice, as a disposing path may): the second still attends the same memory.
        ((IDisposable)first).Dispose();
        ((IDisposable)first).Dispose();
        Assert.Equal(3, memories.Count);
        Assert.Equal(Attend(alone, 2), Attend(second, 2));
        ((IDisposable)second).Dispose();
        Assert.Equal(2, memories.Count);
        ((IDisposable)sparse).Dispose();
        ((IDisposable)other).Dispose();
        Assert.Equal(0, memories.Count);

        // A job arriving after the last one left builds the memory again.
        using (var again = (IDisposable)memories.Acquire("doc", CrossAttentionMode.Exact, shards, null))
            Assert.Equal(1, memories.Count);
        Assert.Equal(0, memories.Count);
        foreach (var s in shards) s.Dispose();
    }

    [Fact]
    public void JobsAcquiringTheSameDocumentFromManyThreadsAtOnceAllGetTheOneMemoryKept()
    {
        using var model = EngineHarness.NewModel();
        var shards = EngineHarness.Document(model, 150, 4);
        var memories = new SharedMemories();
        using var start = new Barrier(8);

        var acquired = new ICrossAttentionMemory[8];
        var threads = Enumerable.Range(0, acquired.Length).Select(i => new Thread(() =>
        {
            start.SignalAndWait(TimeSpan.FromMinutes(1));
            acquired[i] = memories.Acquire("doc", CrossAttentionMode.Exact, shards, null);
        }) { IsBackground = true }).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) Assert.True(t.Join(TimeSpan.FromMinutes(1)));

        Assert.Single(acquired.Select(l => l.FoldKey).Distinct());
        Assert.Equal(1, memories.Count);
        foreach (var lease in acquired) ((IDisposable)lease).Dispose();
        Assert.Equal(0, memories.Count);
        foreach (var s in shards) s.Dispose();
    }
}
