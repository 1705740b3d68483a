using TorchSharp;

namespace Summarizer.Model.Tests.TestSupport;

/// <summary>Exact tensor comparisons with readable failure messages.</summary>
internal static class TensorAssert
{
    public static void Identical(torch.Tensor expected, torch.Tensor actual)
    {
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        using var expectedValues = expected.to(torch.ScalarType.Float32).contiguous();
        using var actualValues = actual.to(torch.ScalarType.Float32).contiguous();
        Assert.Equal(expectedValues.data<float>().ToArray(), actualValues.data<float>().ToArray());
    }
}
