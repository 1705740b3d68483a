using static TorchSharp.torch;

namespace Summarizer.Model.Layers;

/// <summary>
/// The LM head's product, <c>hidden · weightᵀ</c> over the vocabulary. Alone, a job's rows get the plain product, as
/// Hugging Face computes it. In a step batched across jobs the product is weight-first (<see cref="BatchedProducts"/>):
/// libtorch's CPU GEMM for bart-base's 50,265-row head costs 9 ms at 1 row, 30 ms at 8 and 58 ms at 15, but 14–19 ms
/// weight-first from 4 to 16 rows. (Weight-first gives exactly what the product padded to 16 rows gave, the kernel
/// libtorch switches to at 16 rows, without computing the padding.)
/// </summary>
internal static class LmHead
{
    /// <summary>Logits <c>[..., vocab]</c> for <paramref name="hidden"/> <c>[..., d]</c>.</summary>
    public static Tensor Logits(Tensor hidden, Tensor weight) => BatchedProducts.Product(hidden, weight);
}
