using Summarizer.Model.Layers;
using Summarizer.Model.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Layers;

public sealed class LmHeadTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(BatchedProducts.MinRows - 1)]
    [InlineData(BatchedProducts.MinRows)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(20)]
    public void LogitsOfEveryRowCountEqualThePlainProductInShapeAndValueAloneAndAcrossJobs(int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator((ulong)rows);
        var weight = randn(1000, 64, generator: generator);
        var hidden = randn(rows, 1, 64, generator: generator);
        var expected = hidden.matmul(weight.t());
        var alone = LmHead.Logits(hidden, weight);
        Tensor across;
        using (BatchedProducts.Across(2)) across = LmHead.Logits(hidden, weight);
        foreach (var logits in new[] { alone, across })
        {
            Assert.Equal(new long[] { rows, 1, 1000 }, logits.shape);
            Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-4), $"max difference {logits.sub(expected).abs().max().item<float>()}");
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(15)]
    public void AJobAlonesLogitsAreExactlyThePlainProductHuggingFaceComputes(int rows)
    {
        // 7-15 rows (beam 8, say) used to be padded to 16, a different kernel: up to 1e-4 off F.linear's logits.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        // At bart-base's width (768) the padded kernel rounds differently from F.linear's; at 64 they happen to agree.
        var generator = new Generator((ulong)rows + 100);
        var weight = randn(5000, 768, generator: generator);
        var hidden = randn(rows, 1, 768, generator: generator);
        var logits = LmHead.Logits(hidden, weight);
        TensorAssert.Identical(nn.functional.linear(hidden, weight), logits);
    }

    [Fact]
    public void ABatchAcrossJobsGivesEachRowTheLogitsItHasAlone()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new Generator(7);
        var weight = randn(5000, 64, generator: generator);
        var hidden = randn(BatchedProducts.MinRows + 5, 64, generator: generator);
        Tensor batch;
        using (BatchedProducts.Across(3)) batch = LmHead.Logits(hidden, weight);
        for (int row = 0; row < hidden.shape[0]; row++)
        {
            var alone = LmHead.Logits(hidden.narrow(0, row, 1), weight);
            Assert.True(batch.narrow(0, row, 1).allclose(alone, rtol: 1e-5, atol: 1e-4), $"row {row}");
        }
    }
}
