using TorchSharp;

namespace Summarizer.Model.Attention;

/// <summary>
/// What a decoder layer attends to: the document's encoded K/V, however it is laid out (one dense block,
/// shards in this process, or shards on other silos). Queries arrive already projected and scaled.
/// </summary>
public interface ICrossAttentionMemory
{
    /// <summary>
    /// Attends <paramref name="query"/> <c>[batch, heads, steps, headDim]</c> to decoder layer <paramref name="layer"/>'s
    /// memory and returns the context vectors, same shape. The caller's dispose scope owns the result.
    /// </summary>
    torch.Tensor Attend(int layer, torch.Tensor query);
}
