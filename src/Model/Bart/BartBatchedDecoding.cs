using Summarizer.Model.Attention;
using Summarizer.Model.Generation;
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
    /// One step for the rows of every segment, <paramref name="hidden"/> <c>[Σ rows, 1, d]</c> in segment order.
    /// A segment whose memory throws records the exception in <paramref name="failures"/> and attends to nothing
    /// (zeros) from then on, so the batch goes on; segments already failed are skipped the same way.
    /// </summary>
    public Tensor Forward(Tensor hidden, IReadOnlyList<DecodeSegment> segments, int layer, Exception?[] failures)
    {
        hidden = SubLayer.Apply(hidden, _selfAttentionNorm, _preNorm, h =>
        {
            var query = _selfAttention.ProjectQuery(h);
            var (keys, values) = _selfAttention.ProjectKeyValues(h);
            return _selfAttention.Output(PerSegment(segments, query, (s, rows, q) =>
            {
                var cached = s.Cache.Append(layer, keys.narrow(0, rows.Start, rows.Length), values.narrow(0, rows.Start, rows.Length));
                return BartAttention.Attend(q, cached, null);
            }));
        });
        hidden = SubLayer.Apply(hidden, _crossAttentionNorm, _preNorm, h =>
            CrossAttention.Output(PerSegment(segments, CrossAttention.ProjectQuery(h), (s, rows, q) =>
            {
                int index = rows.Index;
                if (failures[index] is not null) return zeros_like(q);
                try
                {
                    return s.Memory.Attend(layer, q);
                }
                catch (Exception e)
                {
                    failures[index] = e;
                    return zeros_like(q);
                }
            })));
        return SubLayer.Apply(hidden, _finalNorm, _preNorm, h => _fc2.Forward(_activation(_fc1.Forward(h))));
    }

    /// <summary>Runs <paramref name="attend"/> on each segment's rows of <paramref name="query"/> and joins the results in order.</summary>
    private static Tensor PerSegment(IReadOnlyList<DecodeSegment> segments, Tensor query, Func<DecodeSegment, SegmentRows, Tensor, Tensor> attend)
    {
        if (segments.Count == 1) return attend(segments[0], new SegmentRows(0, 0, segments[0].Rows), query);
        var parts = new Tensor[segments.Count];
        long start = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            int rows = segments[i].Rows;
            parts[i] = attend(segments[i], new SegmentRows(i, start, rows), query.narrow(0, start, rows));
            start += rows;
        }
        return cat(parts, 0);
    }

    private readonly record struct SegmentRows(int Index, long Start, long Length);
}

internal sealed partial class BartDecoder
{
    /// <summary>
    /// One step for every segment's rows; returns hidden states <c>[Σ rows, 1, d]</c>. Caches of segments that
    /// succeeded are committed, those of failed segments discarded; if the step itself fails, every cache is left as
    /// it was.
    /// </summary>
    public Tensor Forward(IReadOnlyList<DecodeSegment> segments, Exception?[] failures)
    {
        var ids = segments.SelectMany(s => s.Tokens).Select(t => (long)t).ToArray();
        var positions = segments.SelectMany(s => Enumerable.Repeat(s.Cache.Length, s.Rows)).ToArray();
        var device = _tokens.Weight.device;
        var hidden = _tokens.Forward(tensor(ids, [ids.Length, 1], device: device)).add(_positions.ForPositions(positions).unsqueeze(1), Scalars.One);
        if (_embeddingNorm is not null) hidden = _embeddingNorm.Forward(hidden);
        try
        {
            for (int i = 0; i < Layers.Length; i++) hidden = Layers[i].Forward(hidden, segments, i, failures);
        }
        catch
        {
            foreach (var s in segments) s.Cache.Discard();
            throw;
        }
        for (int i = 0; i < segments.Count; i++)
        {
            if (failures[i] is null) segments[i].Cache.Commit(1);
            else segments[i].Cache.Discard();
        }
        return _finalNorm is null ? hidden : _finalNorm.Forward(hidden);
    }
}

public sealed partial class BartModel
{
    /// <inheritdoc />
    public int VocabSize => Config.VocabSize;

    /// <inheritdoc />
    public int MaxDecoderPositions => Config.MaxPositionEmbeddings;

    /// <inheritdoc />
    public Tensor DecodeBatch(IReadOnlyList<DecodeSegment> segments, Exception?[] failures)
    {
        if (failures.Length != segments.Count) throw new ArgumentException("One failure slot per segment is needed.", nameof(failures));
        return Logits(_decoder.Forward(segments, failures).squeeze(1));
    }

    /// <inheritdoc />
    public (Tensor LastLogits, Tensor? TokenLogProbs) DecodePrefix(Tensor ids, SelfAttentionCache cache, ICrossAttentionMemory memory, bool tokenLogProbs)
    {
        const long chunk = 64;   // positions whose full logits exist at once: a long prefix never holds steps × vocab floats
        var hidden = _decoder.Forward(ids, cache, memory);
        long steps = hidden.shape[1];
        var last = Logits(hidden.select(1, steps - 1));
        if (!tokenLogProbs || steps == 1) return (last, null);
        var parts = new List<Tensor>();
        for (long start = 0; start < steps - 1; start += chunk)
        {
            long n = Math.Min(chunk, steps - 1 - start);
            var logProbs = Logits(hidden.narrow(1, start, n)).log_softmax(-1);
            parts.Add(logProbs.gather(-1, ids.narrow(1, start + 1, n).unsqueeze(-1)).squeeze(-1));
        }
        return (last, cat(parts, 1));
    }
}
