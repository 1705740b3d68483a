using Summarizer.Model.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Layers;

public sealed class LmHeadTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(LmHead.PadFrom)]
    [InlineData(8)]
    [InlineData(LmHead.PadTo - 1)]
    [InlineData(LmHead.PadTo)]
    [InlineData(20)]
    public void LogitsOfEveryRowCountEqualThePlainProductInShapeAndValue(int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator((ulong)rows);
        var weight = randn(1000, 64, generator: generator);
        var hidden = randn(rows, 1, 64, generator: generator);
        var logits = LmHead.Logits(hidden, weight);
        Assert.Equal(new long[] { rows, 1, 1000 }, logits.shape);
        var expected = hidden.matmul(weight.t());
        Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-4), $"max difference {logits.sub(expected).abs().max().item<float>()}");
    }

    [Fact]
    public void APaddedBatchGivesEachRowTheLogitsItHasAlone()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(7);
        var weight = randn(5000, 64, generator: generator);
        var hidden = randn(LmHead.PadFrom + 2, 64, generator: generator);
        var batch = LmHead.Logits(hidden, weight);
        for (int row = 0; row < hidden.shape[0]; row++)
        {
            var alone = LmHead.Logits(hidden.narrow(0, row, 1), weight);
            Assert.True(batch.narrow(0, row, 1).allclose(alone, rtol: 1e-5, atol: 1e-4), $"row {row}");
        }
    }
}
