using TorchSharp;

namespace Summarizer.Model.Attention;

/// <summary>Cross-attention for several decoder positions at once, each asking the memory as it would alone.</summary>
public static class PositionwiseAttention
{
    /// <summary>
    /// Attends queries <c>[rows, heads, steps, headDim]</c> with every position asked as a row of its own: a prefix
    /// decoded in one pass (a resumed job) then attends exactly as decoding it step by step did, sparse memories
    /// included, which pick their top-k shards per query row.
    /// </summary>
    public static torch.Tensor AttendEachPosition(this ICrossAttentionMemory memory, int layer, torch.Tensor query)
    {
        long rows = query.shape[0], heads = query.shape[1], steps = query.shape[2], dim = query.shape[3];
        if (steps == 1) return memory.Attend(layer, query);
        var perPosition = query.transpose(1, 2).reshape(rows * steps, heads, 1, dim);
        return memory.Attend(layer, perPosition, (int)steps).reshape(rows, steps, heads, dim).transpose(1, 2);
    }
}
