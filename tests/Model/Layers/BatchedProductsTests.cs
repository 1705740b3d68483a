using Summarizer.Model.Layers;
using Summarizer.Model.Tests.TestSupport;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.Layers;

public sealed class BatchedProductsTests
{
    private static (Tensor X, Tensor Weight, Tensor Bias) Inputs(int rows)
    {
        var generator = new Generator((ulong)(rows + 11));
        // bart-base's width: at 768 inputs the two layouts round differently, so a test can tell which one ran.
        return (randn(rows, 1, 768, generator: generator), randn(384, 768, generator: generator), randn(384, generator: generator));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    public void AJobAloneGetsExactlyThePlainLinearHuggingFaceRuns(int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, weight, bias) = Inputs(rows);
        using (BatchedProducts.Across(1))
        {
            Assert.False(BatchedProducts.IsAcrossJobs);
            TensorAssert.Identical(nn.functional.linear(x, weight, bias), BatchedProducts.Linear(x, weight, bias));
            TensorAssert.Identical(x.matmul(weight.t()), BatchedProducts.Product(x, weight));
        }
    }

    [Theory]
    [InlineData(BatchedProducts.MinRows)]
    [InlineData(8)]
    [InlineData(12)]
    public void AcrossJobsFromMinRowsTheProductIsWeightFirstAndEqualsThePlainOneUpToRounding(int rows)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (x, weight, bias) = Inputs(rows);
        var plain = nn.functional.linear(x, weight, bias);
        Tensor batched;
        using (BatchedProducts.Across(2)) batched = BatchedProducts.Linear(x, weight, bias);
        var weightFirst = weight.matmul(x.reshape(rows, 768).t()).t().reshape(rows, 1, 384).add(bias, Scalars.One);
        Assert.Equal(plain.shape, batched.shape);
        TensorAssert.Identical(weightFirst, batched);   // computed weight-first
        Assert.True(batched.allclose(plain, rtol: 1e-5, atol: 1e-3), $"max difference {batched.sub(plain).abs().max().item<float>()}");
        Assert.True(batched.is_contiguous());
    }

    [Fact]
    public void AcrossJobsBelowMinRowsAndAfterTheScopeTheProductIsPlainAgain()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (few, weight, bias) = Inputs(BatchedProducts.MinRows - 1);
        using (BatchedProducts.Across(3))
            TensorAssert.Identical(nn.functional.linear(few, weight, bias), BatchedProducts.Linear(few, weight, bias));
        Assert.False(BatchedProducts.IsAcrossJobs);
        var (many, _, _) = Inputs(8);
        TensorAssert.Identical(nn.functional.linear(many, weight, bias), BatchedProducts.Linear(many, weight, bias));
    }

    [Fact]
    public void TheMarkIsPerThreadSoEncoderWorkOnAnotherThreadKeepsThePlainProduct()
    {
        using var _ = no_grad();
        using (BatchedProducts.Across(4))
        {
            bool elsewhere = true;
            var other = new Thread(() => elsewhere = BatchedProducts.IsAcrossJobs);
            other.Start();
            other.Join();
            Assert.True(BatchedProducts.IsAcrossJobs);
            Assert.False(elsewhere);
        }
    }
}
