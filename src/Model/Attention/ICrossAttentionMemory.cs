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
    /// memory and returns the context vectors, same shape. The caller's dispose scope owns the result. The batch rows may
    /// be <paramref name="positions"/> decoder positions folded together (row r·positions + t is row r at position t, a
    /// prefix decoded in one pass): a memory whose choices depend on the rows of one step together (sparse mode's bounded
    /// union of the beams' shards) makes them per position, as stepping did. A memory wrapping another passes it on.
    /// </summary>
    torch.Tensor Attend(int layer, torch.Tensor query, int positions = 1);

    /// <summary>
    /// What jobs attending this memory may share within one batched step: segments whose memories give the same
    /// non-null key have their query rows attended in one call (one read of the K/V for all of them, as beams are).
    /// Only a memory in which every row's output depends on that row alone may give one: exact attention with nothing
    /// recorded. Null (the default) keeps each job's call its own.
    /// </summary>
    object? FoldKey => null;
}
