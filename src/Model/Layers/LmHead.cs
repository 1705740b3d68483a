using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>
/// The LM head's product, <c>hidden · weightᵀ</c> over the vocabulary. On CPU, libtorch's GEMM for a weight this large
/// costs about 4 ms more per row from 7 to 15 rows (bart-base's head: 9 ms at 1 row, 30 ms at 8, 58 ms at 15) and
/// drops back to 22 ms at 16 rows, where it switches kernels (<c>decode.lm_head_ms</c> in docs/benchmarks.md). A
/// batched step of 7–15 rows is therefore computed over its rows padded with zeros to 16, and cut back: each output row
/// depends on its own input row only, so the rows kept are the same product.
/// </summary>
internal static class LmHead
{
    /// <summary>Fewest and most rows computed padded (CPU only).</summary>
    internal const int PadFrom = 7, PadTo = 16;

    /// <summary>Logits <c>[..., vocab]</c> for <paramref name="hidden"/> <c>[..., d]</c>.</summary>
    public static Tensor Logits(Tensor hidden, Tensor weight)
    {
        long d = hidden.shape[^1], rows = hidden.numel() / d;
        if (hidden.device_type != DeviceType.CPU || rows < PadFrom || rows >= PadTo) return hidden.matmul(weight.t());
        var flat = hidden.reshape(rows, d);
        var padded = cat([flat, zeros(PadTo - rows, d, dtype: flat.dtype, device: flat.device)], 0);
        var shape = hidden.shape.ToArray();
        shape[^1] = weight.shape[0];
        return padded.matmul(weight.t()).narrow(0, 0, rows).reshape(shape);
    }
}
