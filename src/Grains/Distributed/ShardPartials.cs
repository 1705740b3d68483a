using Summarizer.Contracts;
using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Grains.Distributed;

/// <summary>
/// One shard's partial attention for several callers' query batches in one pass: the shard's K/V is read and
/// widened to F32 once for all of them, then each batch gets its own products. The products are deliberately not
/// stacked into one: CPU GEMM picks its blocking by matrix size, so a stacked product would round differently from
/// the caller's own, and a job's tokens must not depend on which other jobs happened to be reading the document.
/// </summary>
public static class ShardPartials
{
    /// <summary>Answers every batch, in order, against one layer's keys and values <c>[heads, length, headDim]</c>.</summary>
    public static PartialAttentionResult[] Compute(Tensor keys, Tensor values, IReadOnlyList<QueryBatch> batches)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var k = keys.to_type(ScalarType.Float32).unsqueeze(0);
        var v = values.to_type(ScalarType.Float32).unsqueeze(0);
        return batches.Select(b =>
        {
            var (output, lse) = PartialAttention.Compute(tensor(b.Values, [b.Batch, b.Heads, b.Steps, b.HeadDim]), k, v, null);
            return new PartialAttentionResult(output.squeeze(3).contiguous().data<float>().ToArray(), lse.squeeze(3).contiguous().data<float>().ToArray());
        }).ToArray();
    }
}
