using Summarizer.Model.Bart;
using Summarizer.Model.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Bart;

/// <summary>
/// The self-attention cache kept in growing buffers, against the concatenated cache Hugging Face keeps: the same
/// keys and values, and attention over them to the bit, through growth, discarded steps, truncation and beam reorders.
/// </summary>
public sealed class SelfAttentionCacheTests
{
    private const int Heads = 12, HeadDim = 64;   // bart-base's shape: wide enough for layouts to round differently

    private static Tensor Position(Generator generator, int rows = 2, int steps = 1) => randn(rows, Heads, steps, HeadDim, generator: generator);

    [Fact]
    public void KeysValuesAndAttentionEqualTheConcatenatedCacheToTheBitThroughSeveralGrowths()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(3);
        using var cache = new SelfAttentionCache(1);
        var (keys, values) = (Position(generator, steps: 5), Position(generator, steps: 5));   // a prefix pass of 5 positions
        cache.Step(5, () => cache.Append(0, keys, values));
        for (int step = 0; step < 3 * (int)SelfAttentionCache.InitialCapacity; step++)
        {
            var (k, v) = (Position(generator), Position(generator));
            var query = Position(generator);
            var (cachedKeys, cachedValues) = cache.Step(1, () => cache.Append(0, k, v));
            keys = cat([keys, k], 2);
            values = cat([values, v], 2);
            TensorAssert.Identical(keys, cachedKeys);
            TensorAssert.Identical(values, cachedValues);
            TensorAssert.Identical(BartAttention.Attend(query, keys, values, null), BartAttention.Attend(query, cachedKeys, cachedValues, null));
        }
        Assert.Equal(5 + 3 * SelfAttentionCache.InitialCapacity, cache.Length);
        Assert.True(cache.Capacity >= cache.Length && cache.Capacity <= cache.Length * 3 / 2, $"capacity {cache.Capacity} for {cache.Length} positions");
    }

    [Fact]
    public void ADiscardedStepAndATruncationLeaveExactlyTheCommittedPositions()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(4);
        using var cache = new SelfAttentionCache(2);
        var kept = new List<Tensor>();
        for (int step = 0; step < 4; step++)
        {
            var k = Position(generator);
            kept.Add(k);
            cache.Step(1, () => { cache.Append(0, k, k); return cache.Append(1, k, k); });
        }
        // A step that throws half-way (after layer 0 wrote its position) is discarded.
        Assert.Throws<InvalidOperationException>(() => cache.Step<bool>(1, () =>
        {
            cache.Append(0, Position(generator), Position(generator));
            throw new InvalidOperationException("a memory failed");
        }));
        Assert.Equal(4, cache.Length);
        var next = Position(generator);
        var (afterDiscard, _) = cache.Step(1, () => { var r = cache.Append(0, next, next); cache.Append(1, next, next); return r; });
        TensorAssert.Identical(cat([.. kept, next], 2), afterDiscard);

        cache.Truncate(2);
        var again = Position(generator);
        var (afterTruncate, _) = cache.Step(1, () => { var r = cache.Append(0, again, again); cache.Append(1, again, again); return r; });
        TensorAssert.Identical(cat([kept[0], kept[1], again], 2), afterTruncate);
    }

    [Fact]
    public void AReorderKeepsTheNamedRowsInOrderRepeatedRowsIncludedAndTheCacheGoesOn()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(5);
        using var cache = new SelfAttentionCache(1);
        var prefix = Position(generator, rows: 1, steps: 3);
        cache.Step(3, () => cache.Append(0, prefix, prefix));
        // A resumed beam search: four beams from the one prefix row, then a reorder among them.
        cache.Reorder(tensor(new long[] { 0, 0, 0, 0 }));
        var step = Position(generator, rows: 4);
        var (four, _) = cache.Step(1, () => cache.Append(0, step, step));
        TensorAssert.Identical(cat([prefix.expand(4, Heads, 3, HeadDim), step], 2), four);
        cache.Reorder(tensor(new long[] { 3, 1, 1, 0 }));
        var last = Position(generator, rows: 4);
        var (reordered, _) = cache.Step(1, () => cache.Append(0, last, last));
        TensorAssert.Identical(cat([four.index_select(0, tensor(new long[] { 3, 1, 1, 0 })), last], 2), reordered);
    }

    [Fact]
    public void AStepWithADifferentRowCountThanTheCacheIsRefusedAndLeavesItAsItWas()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(6);
        using var cache = new SelfAttentionCache(1);
        var first = Position(generator, rows: 2);
        cache.Step(1, () => cache.Append(0, first, first));
        Assert.Throws<InvalidOperationException>(() => cache.Step(1, () => cache.Append(0, Position(generator, rows: 3), Position(generator, rows: 3))));
        Assert.Equal(1, cache.Length);
        var second = Position(generator, rows: 2);
        var (keys, _) = cache.Step(1, () => cache.Append(0, second, second));
        TensorAssert.Identical(cat([first, second], 2), keys);
    }
}
