using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Layers;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.T5;

// T5's batched decoder step across jobs, shaped like BART's: blocks run once over all rows; each job's
// self-attention uses its own cache and the relative position bias of its own query position, and its
// cross-attention its own memory.

internal sealed partial class T5DecoderBlock
{
    /// <summary>
    /// One step for every segment's rows, <paramref name="hidden"/> <c>[Σ rows, 1, d]</c>; <paramref name="biases"/>
    /// holds each segment's causal position bias <c>[1, heads, 1, length + 1]</c>. A segment whose memory throws is
    /// recorded in <paramref name="failures"/> and attends to nothing from then on.
    /// </summary>
    public Tensor Forward(Tensor hidden, IReadOnlyList<DecodeSegment> segments, IReadOnlyList<Tensor> biases, int layer, Exception?[] failures)
    {
        var normed = _selfAttentionNorm.Forward(hidden);
        var (keys, values) = _selfAttention.ProjectKeyValues(normed);
        var context = SegmentBatch.PerSegment(segments, _selfAttention.ProjectQuery(normed), (s, rows, q) =>
            AttendCached(s, rows, q, keys, values, biases[rows.Index], layer));
        hidden = hidden.add(_selfAttention.Output(context), Scalars.One);
        var query = CrossAttention.ProjectQuery(_crossAttentionNorm.Forward(hidden));
        hidden = hidden.add(CrossAttention.Output(SegmentBatch.CrossAttend(segments, layer, query, failures)), Scalars.One);
        return hidden.add(_feedForward.Forward(_feedForwardNorm.Forward(hidden)), Scalars.One);
    }

    private static Tensor AttendCached(DecodeSegment segment, SegmentBatch.Rows rows, Tensor query, Tensor keys, Tensor values, Tensor bias, int layer)
    {
        var (k, v) = segment.Cache.Append(layer, keys.narrow(0, rows.Start, rows.Length), values.narrow(0, rows.Start, rows.Length));
        return T5Attention.Attend(query, k, v, bias);
    }
}

internal sealed partial class T5Decoder
{
    /// <summary>One step for every segment's rows, each at its own position; returns hidden states <c>[Σ rows, 1, d]</c>.</summary>
    public Tensor Forward(IReadOnlyList<DecodeSegment> segments, Exception?[] failures)
    {
        var hidden = _tokens.Forward(SegmentBatch.Ids(segments, _tokens.Weight.device));
        // The stack's bias for one query at each job's own position over its cache and itself, shared by every block.
        var biases = segments.Select(s => _bias.Forward(s.Cache.Length, 1, s.Cache.Length + 1, hidden.device)).ToArray();
        hidden = SegmentBatch.Step(segments, failures, () =>
        {
            for (int i = 0; i < Blocks.Length; i++) hidden = Blocks[i].Forward(hidden, segments, biases, i, failures);
            return hidden;
        });
        return _finalNorm.Forward(hidden);
    }
}

public sealed partial class T5Model
{
    /// <inheritdoc />
    public int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public int? MaxDecoderPositions => Config.DecoderPositionLimit;

    /// <inheritdoc />
    public Tensor DecodeBatch(IReadOnlyList<DecodeSegment> segments, Exception?[] failures)
    {
        using var products = BatchedProducts.Across(segments.Count);
        return Logits(_decoder.Forward(segments, failures).squeeze(1));
    }

    /// <inheritdoc />
    public (Tensor LastLogits, Tensor? TokenLogProbs) DecodePrefix(Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory, bool tokenLogProbs) =>
        SegmentBatch.PrefixLogits(_decoder.Forward(ids, cache, memory), ids, tokenLogProbs, Logits);
}
