using Summarizer.Model.Attention;
using Summarizer.Model.Layers;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

// The batched decoder step across jobs (the iteration-level scheduler's forward pass) and a prefix decoded in one pass
// (a resumed job). Everything that does not depend on a job — embeddings, projections, feed-forward, norms, LM head —
// runs once over all rows; self-attention runs per job against its own cache (each job has its own length) and
// cross-attention per job against its own memory (its own document, exact or sparse).

internal sealed partial class PositionEmbedding
{
    /// <summary>Embeddings for one position per row, shape <c>[rows, d_model]</c>.</summary>
    public Tensor ForPositions(long[] positions)
    {
        long last = positions.Max();
        if (last >= MaxPositions)
            throw new ArgumentOutOfRangeException(nameof(positions), $"Position {last} exceeds max_position_embeddings ({MaxPositions}).");
        var rows = tensor(positions, device: _table.device);
        return _offset == 0 ? _table.index_select(0, rows) : Scalars.With(_offset, offset => _table.index_select(0, rows.add(offset, Scalars.One)));
    }
}

internal sealed partial class DecoderLayer
{
    /// <summary>
    /// One step for the rows of every segment, <paramref name="hidden"/> <c>[Σ rows, 1, d]</c> in segment order; a
    /// segment whose memory throws is recorded in <paramref name="failures"/> and attends to nothing from then on.
    /// </summary>
    public Tensor Forward(Tensor hidden, IReadOnlyList<DecodeSegment> segments, int layer, Exception?[] failures)
    {
        hidden = SubLayer.Apply(hidden, _selfAttentionNorm, _preNorm, h =>
        {
            var (keys, values) = _selfAttention.ProjectKeyValues(h);
            return _selfAttention.Output(SegmentBatch.PerSegment(segments, _selfAttention.ProjectQuery(h), (s, rows, q) =>
                BartAttention.Attend(q, s.Cache.Append(layer, keys.narrow(0, rows.Start, rows.Length), values.narrow(0, rows.Start, rows.Length)), null)));
        });
        hidden = SubLayer.Apply(hidden, _crossAttentionNorm, _preNorm, h =>
            CrossAttention.Output(SegmentBatch.CrossAttend(segments, layer, CrossAttention.ProjectQuery(h), failures)));
        return SubLayer.Apply(hidden, _finalNorm, _preNorm, h => _fc2.Forward(_activation(_fc1.Forward(h))));
    }
}

internal sealed partial class BartDecoder
{
    /// <summary>One step for every segment's rows, each at its own position; returns hidden states <c>[Σ rows, 1, d]</c>.</summary>
    public Tensor Forward(IReadOnlyList<DecodeSegment> segments, Exception?[] failures)
    {
        var hidden = _tokens.Forward(SegmentBatch.Ids(segments, _tokens.Weight.device))
            .add(_positions.ForPositions(SegmentBatch.Positions(segments)).unsqueeze(1), Scalars.One);
        if (_embeddingNorm is not null) hidden = _embeddingNorm.Forward(hidden);
        hidden = SegmentBatch.Step(segments, failures, () =>
        {
            for (int i = 0; i < Layers.Length; i++) hidden = Layers[i].Forward(hidden, segments, i, failures);
            return hidden;
        });
        return _finalNorm is null ? hidden : _finalNorm.Forward(hidden);
    }
}

public sealed partial class BartModel
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
