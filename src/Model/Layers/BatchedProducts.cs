using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>
/// How a projection's product is laid out while a step holds the rows of several jobs. libtorch's CPU GEMM for
/// <c>x · Wᵀ</c> costs more per row below 16 rows, where it switches kernels: bart-base's products over all six decoder
/// layers and the LM head cost about 20 ms at 1 row, 60 ms at 8 and 75 ms at 12. Written weight-first,
/// <c>(W · xᵀ)ᵀ</c>, the same products cost 35–40 ms from 4 to 16 rows; below 4 rows the plain product is faster
/// (docs/benchmarks.md, "Products weight-first across jobs"; <c>decode.lm_head_ms</c> and <c>decode.ffn_ms</c>).
/// <para>
/// Weight-first is used only in a step batched across jobs (<see cref="Across"/>). A job alone — whatever its beams —
/// keeps the plain product, the one Hugging Face's <c>F.linear</c> runs at the same shapes, so its logits stay
/// bit-for-bit those of <c>generate()</c>. In a batch, rounding already depends on the other rows (the issue's
/// "equal up to float rounding"); weight-first rows differ from plain ones by the same order (about 1e-4 in logits of
/// unit-variance weights).
/// </para>
/// </summary>
internal static class BatchedProducts
{
    /// <summary>Fewest rows computed weight-first.</summary>
    internal const int MinRows = 4;

    [ThreadStatic] private static int _acrossJobs;

    /// <summary>Whether the calling thread is inside a step batched across jobs.</summary>
    internal static bool IsAcrossJobs => _acrossJobs > 0;

    /// <summary>
    /// Marks the calling thread's products as batched across <paramref name="jobs"/> jobs until disposed; one job
    /// marks nothing.
    /// </summary>
    public static Scope Across(int jobs) => new(jobs > 1);

    /// <summary><c>x · Wᵀ (+ b)</c> over the last dimension of <paramref name="x"/>.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias)
    {
        if (!WeightFirst(x)) return nn.functional.linear(x, weight, bias);
        var product = Product(x, weight);
        return bias is null ? product : product.add(bias, Scalars.One);
    }

    /// <summary><c>x · Wᵀ</c> over the last dimension of <paramref name="x"/>, no bias.</summary>
    public static Tensor Product(Tensor x, Tensor weight)
    {
        if (!WeightFirst(x)) return x.matmul(weight.t());
        long d = x.shape[^1], rows = x.numel() / d;
        var shape = x.shape.ToArray();
        shape[^1] = weight.shape[0];
        return weight.matmul(x.reshape(rows, d).t()).t().contiguous().reshape(shape);
    }

    private static bool WeightFirst(Tensor x) =>
        IsAcrossJobs && x.device_type == DeviceType.CPU && x.numel() / x.shape[^1] >= MinRows;

    /// <summary>Ends a <see cref="Across"/> mark when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly bool _marked;

        internal Scope(bool mark)
        {
            _marked = mark;
            if (mark) _acrossJobs++;
        }

        /// <inheritdoc />
        public void Dispose()
        {
            if (_marked) _acrossJobs--;
        }
    }
}
