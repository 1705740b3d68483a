using System.Diagnostics;
using Summarizer.Model.Attention;
using Summarizer.Model.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>
/// The batched decoder step alone, warm, against the rows it carries: what one iteration's forward pass costs with
/// 1-16 greedy rows (each row its own job and cache; all on one document, or each attending alone as on distinct
/// documents), beside the two matrix products that dominate it at those shapes (the LM head and one feed-forward
/// layer, plain and weight-first), so a step's growth with rows can be told apart from per-job work (self- and
/// cross-attention, copies) around the products.
/// </summary>
internal static class StepProfile
{
    private static readonly int[] RowCounts = [1, 2, 4, 8, 16];

    /// <summary>
    /// Records <c>decode.step_ms</c>, <c>decode.lm_head_ms</c> and <c>decode.ffn_ms</c> per row count, and the
    /// bandwidth ceiling of a batch (<see cref="BandwidthCeiling"/>).
    /// </summary>
    public static void Run(ResultSet results, RandomModel model, bool quick)
    {
        int steps = quick ? 12 : 32, cachePositions = 16;
        using var hidden = model.RandomHidden(1024, 7);
        var shards = model.Shards(hidden, 1024);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        int d = model.Config.DModel, vocab = model.Config.VocabSize, ffn = model.Config.DecoderFfnDim;
        using var lmHead = randn(vocab, d);
        using var fc1 = randn(ffn, d);
        Console.WriteLine($"[decode] step profile: rows {string.Join("/", RowCounts)}, {steps} warm steps each, cache {cachePositions} positions, 1,024-token memory");
        double oneRowMs = double.MaxValue;
        foreach (int rows in RowCounts)
            foreach (var documents in Enum.GetValues<StepDocuments>())
            {
                double ms = StepTime(results, model, memory, rows, documents, steps, cachePositions);
                if (rows == 1) oneRowMs = Math.Min(oneRowMs, ms);   // one job: one document or distinct is the same step
            }
        BandwidthCeiling.Run(results, model, oneRowMs);
        // A summary's later steps: each job's cache at 128 positions.
        foreach (int rows in new[] { 1, 8 })
            StepTime(results, model, memory, rows, StepDocuments.One, steps, 128);
        foreach (int rows in RowCounts)
        {
            var p = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = 1024, ["rows"] = rows, ["cache"] = cachePositions };
            using var x = randn(rows, d);
            // Plain x·Wᵀ (a job alone) and weight-first (W·xᵀ)ᵀ (a step batched across jobs, Layers/BatchedProducts).
            results.Add(new Result("decode", "decode.lm_head_ms", Timing.MedianMs(steps, () => { using var y = nn.functional.linear(x, lmHead); }), "ms", new(p) { ["layout"] = "plain" }));
            results.Add(new Result("decode", "decode.lm_head_ms", Timing.MedianMs(steps, () => { using var y = lmHead.matmul(x.t()); }), "ms", new(p) { ["layout"] = "weight-first" }));
            results.Add(new Result("decode", "decode.ffn_ms", Timing.MedianMs(steps, () => { using var y = nn.functional.linear(x, fc1); }), "ms", new(p) { ["layout"] = "plain" }));
            results.Add(new Result("decode", "decode.ffn_ms", Timing.MedianMs(steps, () => { using var y = fc1.matmul(x.t()); }), "ms", new(p) { ["layout"] = "weight-first" }));
        }
        foreach (var s in shards) s.Dispose();
    }

    /// <summary>
    /// One warm step over <paramref name="rows"/> greedy jobs: all on one document (their cross-attention folded into
    /// one call) or each on its own (attended alone, as distinct documents are). Returns the median step in ms.
    /// </summary>
    private static double StepTime(ResultSet results, RandomModel model, ICrossAttentionMemory memory, int rows, StepDocuments documents, int steps, int cachePositions)
    {
        var caches = Enumerable.Range(0, rows).Select(_ => model.Network.CreateCache()).ToArray();
        var segments = caches.Select(c => new DecodeSegment([5], c, documents == StepDocuments.One ? memory : new DecodeSuite.OwnDocument(memory))).ToArray();
        var failures = new Exception?[rows];
        void Step()
        {
            using var scope = NewDisposeScope();
            model.Network.DecodeBatch(segments, failures).data<float>().ToArray();
        }
        for (int i = 0; i < cachePositions; i++) Step();   // warm, and a realistic cache length
        var p = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = 1024, ["rows"] = rows, ["cache"] = cachePositions, ["documents"] = documents.ToString().ToLowerInvariant() };
        double ms = Timing.MedianMs(steps, Step);
        results.Add(new Result("decode", "decode.step_ms", ms, "ms", p));
        Console.WriteLine($"[decode] step, {rows} rows, {documents.ToString().ToLowerInvariant()} document(s), cache {cachePositions}: {ms:F1} ms");
        foreach (var c in caches) c.Dispose();
        return ms;
    }
}

/// <summary>Whether a step's jobs attend one document (cross-attention folded into one call) or each its own.</summary>
internal enum StepDocuments
{
    /// <summary>All jobs on one document.</summary>
    One,

    /// <summary>Each job on a document of its own.</summary>
    Distinct,
}
