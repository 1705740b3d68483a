using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using TorchSharp;

namespace Summarizer.Model.Network;

/// <summary>
/// The decoding half of an <see cref="IEncoderDecoderNetwork"/>, all that searches and the iteration engine need: a
/// self-attention cache, one step for one job's rows, one pass over a prefix, and one batched step for many jobs at
/// once. The decoder's layers read the document only through each job's <see cref="ICrossAttentionMemory"/>, so a
/// family implements the batched step by running its own layers (its positions or relative position bias, norms,
/// LM head) over all rows and handing each job's query rows to that job's memory.
/// </summary>
public interface IDecoderNetwork
{
    /// <summary>Length of one row of logits.</summary>
    int VocabSize { get; }

    /// <summary>
    /// Decoder positions the network can embed (BART's learned positions), or null when any length can be decoded
    /// (T5's relative positions): a sequence of at most this many tokens plus one can be decoded.
    /// </summary>
    int? MaxDecoderPositions { get; }

    /// <summary>Where the forward passes run.</summary>
    torch.Device Device { get; }

    /// <summary>A fresh, empty self-attention cache.</summary>
    SelfAttentionCache CreateCache();

    /// <summary>
    /// Decodes <paramref name="ids"/> <c>[rows, steps]</c> after the prefix in <paramref name="cache"/>, attending to
    /// <paramref name="memory"/>, and returns the logits of the last step <c>[rows, vocab]</c>.
    /// </summary>
    torch.Tensor DecodeStep(torch.Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory);

    /// <summary>
    /// As <see cref="DecodeStep"/> over a whole prefix <c>[rows, steps]</c> in one pass; with
    /// <paramref name="tokenLogProbs"/> also the log-probability of each token after the first given those before it,
    /// <c>[rows, steps - 1]</c>, so a search resumed from the prefix can score it as if it had decoded it.
    /// </summary>
    (torch.Tensor LastLogits, torch.Tensor? TokenLogProbs) DecodePrefix(torch.Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory, bool tokenLogProbs);

    /// <summary>
    /// One decoder step for every segment's rows in one forward pass: embeddings at each row's own position, batched
    /// projections, feed-forward and LM head, self-attention against each segment's own cache and cross-attention
    /// against its own memory. Returns the logits <c>[Σ rows, vocab]</c> in segment order. A segment whose memory
    /// throws gets its exception in <paramref name="failures"/> (its rows' logits are meaningless and its cache is left
    /// as it was); every other segment's cache is extended by one position.
    /// </summary>
    torch.Tensor DecodeBatch(IReadOnlyList<DecodeSegment> segments, Exception?[] failures);
}

/// <summary>One job's part of a batched decoder step: the token each of its rows feeds, its cache and its memory.</summary>
/// <param name="Tokens">One token per row (greedy: one row; beam search: one per beam).</param>
/// <param name="Cache">The job's self-attention cache; every row of the job is at the same position.</param>
/// <param name="Memory">The job's document, exact or sparse as the job asked.</param>
public sealed record DecodeSegment(IReadOnlyList<int> Tokens, SelfAttentionCache Cache, ICrossAttentionMemory Memory)
{
    /// <summary>Rows this segment adds to the batch.</summary>
    public int Rows => Tokens.Count;
}
