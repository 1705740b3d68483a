using Summarizer.Model.Attention;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Network;

/// <summary>
/// The family-neutral parts of a batched decoder step across jobs (<see cref="IDecoderNetwork.DecodeBatch"/>): the
/// rows' ids and positions, per-job attention on each job's rows, cross-attention that isolates a failing memory, and
/// committing each job's cache only when its step succeeded. Families add their own layer math around these.
/// </summary>
internal static class SegmentBatch
{
    /// <summary>One segment's rows within the batch.</summary>
    public readonly record struct Rows(int Index, long Start, long Length);

    /// <summary>Every row's token, in segment order, as <c>[Σ rows, 1]</c>.</summary>
    public static Tensor Ids(IReadOnlyList<DecodeSegment> segments, Device device)
    {
        var ids = segments.SelectMany(s => s.Tokens).Select(t => (long)t).ToArray();
        return tensor(ids, [ids.Length, 1], device: device);
    }

    /// <summary>Every row's position: its job's cache length (all rows of a job are at the same position).</summary>
    public static long[] Positions(IReadOnlyList<DecodeSegment> segments) =>
        segments.SelectMany(s => Enumerable.Repeat(s.Cache.Length, s.Rows)).ToArray();

    /// <summary>
    /// Runs <paramref name="pass"/>, which extends every segment's cache by one position, and commits each cache whose
    /// segment did not fail; failed segments' caches, or every cache if the pass throws, are left as they were.
    /// </summary>
    public static Tensor Step(IReadOnlyList<DecodeSegment> segments, Exception?[] failures, Func<Tensor> pass)
    {
        if (failures.Length != segments.Count) throw new ArgumentException("One failure slot per segment is needed.", nameof(failures));
        Tensor hidden;
        try
        {
            hidden = pass();
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
        return hidden;
    }

    /// <summary>Runs <paramref name="attend"/> on each segment's rows of <paramref name="query"/> and joins the results in order.</summary>
    public static Tensor PerSegment(IReadOnlyList<DecodeSegment> segments, Tensor query, Func<DecodeSegment, Rows, Tensor, Tensor> attend)
    {
        if (segments.Count == 1) return attend(segments[0], new Rows(0, 0, segments[0].Rows), query);
        var parts = new Tensor[segments.Count];
        long start = 0;
        for (int i = 0; i < segments.Count; i++)
        {
            int rows = segments[i].Rows;
            parts[i] = attend(segments[i], new Rows(i, start, rows), query.narrow(0, start, rows));
            start += rows;
        }
        return cat(parts, 0);
    }

    /// <summary>
    /// Each segment's query rows attend its own memory at <paramref name="layer"/>. Segments whose memories share a
    /// <see cref="ICrossAttentionMemory.FoldKey"/> (jobs on one document, exact attention) are attended in one call,
    /// their rows folded together. A memory that throws records the exception in <paramref name="failures"/> for every
    /// segment of that call, and their rows get zeros from then on, so the batch goes on.
    /// </summary>
    public static Tensor CrossAttend(IReadOnlyList<DecodeSegment> segments, int layer, Tensor query, Exception?[] failures)
    {
        var starts = new long[segments.Count];
        for (int i = 1; i < segments.Count; i++) starts[i] = starts[i - 1] + segments[i - 1].Rows;
        Tensor RowsOf(int i) => query.narrow(0, starts[i], segments[i].Rows);
        var outputs = new Tensor[segments.Count];
        var calls = Enumerable.Range(0, segments.Count).Where(i => failures[i] is null)
            .GroupBy(i => segments[i].Memory.FoldKey ?? new object(), ReferenceEqualityComparer.Instance);
        foreach (var call in calls)
        {
            int[] members = [.. call];
            try
            {
                var q = members.Length == 1 ? RowsOf(members[0]) : cat(members.Select(RowsOf).ToArray(), 0);
                var attended = segments[members[0]].Memory.Attend(layer, q);
                long offset = 0;
                foreach (int i in members)
                {
                    outputs[i] = members.Length == 1 ? attended : attended.narrow(0, offset, segments[i].Rows);
                    offset += segments[i].Rows;
                }
            }
            catch (Exception e)
            {
                foreach (int i in members) failures[i] = e;
            }
        }
        for (int i = 0; i < segments.Count; i++) outputs[i] ??= zeros_like(RowsOf(i));
        return segments.Count == 1 ? outputs[0] : cat(outputs, 0);
    }

    /// <summary>
    /// For a prefix pass: the last position's logits and, when asked, each token's log-probability given the tokens
    /// before it (<c>[rows, steps - 1]</c>), from hidden states <c>[rows, steps, d]</c>. Logits are made a chunk of
    /// positions at a time, so a long prefix never holds steps × vocab floats at once.
    /// </summary>
    public static (Tensor LastLogits, Tensor? TokenLogProbs) PrefixLogits(Tensor hidden, Tensor ids, bool tokenLogProbs, Func<Tensor, Tensor> logits)
    {
        const long chunk = 64;
        long steps = hidden.shape[1];
        var last = logits(hidden.select(1, steps - 1));
        if (!tokenLogProbs || steps == 1) return (last, null);
        var parts = new List<Tensor>();
        for (long start = 0; start < steps - 1; start += chunk)
        {
            long n = Math.Min(chunk, steps - 1 - start);
            var logProbs = logits(hidden.narrow(1, start, n)).log_softmax(-1);
            parts.Add(logProbs.gather(-1, ids.narrow(1, start + 1, n).unsqueeze(-1)).squeeze(-1));
        }
        return (last, cat(parts, 1));
    }
}
