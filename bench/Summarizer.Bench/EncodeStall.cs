using System.Diagnostics;
using Summarizer.Model.Attention;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Documents;
using Summarizer.Model.KvCache;
using Summarizer.Model.Scheduling;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>
/// How long a running stream stalls while another document is encoded on the same inference thread: a greedy job
/// streams while a 100,000-token document's encoder batches run as work items between iterations (as the document
/// grain submits them), under an encoder budget per iteration.
/// </summary>
public static class EncodeStall
{
    private const int DocumentTokens = 100_000;

    /// <summary>bart-base at the default budget, then a budget sweep on the tiny model (encoder batches of milliseconds, as on a GPU).</summary>
    public static void Run(ResultSet results, RandomModel model, bool quick)
    {
        var defaults = new SchedulerSettings();
        Console.WriteLine($"[decode] stall: a stream while a {DocumentTokens:N0}-token document is encoded (bart-base, budget {defaults.EncoderBudgetPerIteration.TotalMilliseconds} ms)");
        Measure(results, model, defaults.EncoderBudgetPerIteration);
        using var tiny = new RandomModel(RandomCheckpoint.Preset.Tiny);
        foreach (var ms in quick ? new[] { 0, 10, 50, 200 } : [0, 5, 10, 25, 50, 100, 200])
            Measure(results, tiny, TimeSpan.FromMilliseconds(ms));
        Plots.Curves(results, "decode.stall_ms", "budget_ms", "model", r => Equals(r.Parameters["model"], "tiny"),
            "Longest stream stall while a 100,000-token document encodes (tiny model)", "encoder budget per iteration (ms)", "ms", "decode_stall_budget.png");
    }

    private static void Measure(ResultSet results, RandomModel model, TimeSpan budget)
    {
        int maxPositions = model.Config.MaxPositionEmbeddings;
        var ids = model.RandomIds(DocumentTokens, 17);
        var windows = DocumentSharder.Plan(ids.Length, new ShardingOptions(maxPositions, Math.Min(64, (maxPositions - 2) / 8)));
        using var hidden = model.RandomHidden(Math.Min(1024, maxPositions), 8);
        var shards = model.Shards(hidden, maxPositions);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        using var engine = new IterationEngine(new SchedulerSettings { EncoderBudgetPerIteration = budget });
        var iterationMs = new List<double>();
        engine.Iterated += r => { if (r.Jobs > 0) iterationMs.Add(r.DecodeTime.TotalMilliseconds); };
        var clock = Stopwatch.StartNew();
        var tokenAt = new List<double>();
        using var stop = new CancellationTokenSource();
        var stream = engine.Submit(new DecodeJobRequest(model.Network, () => memory, RandomModel.Fixed(maxPositions - 1, 1))
        {
            DisposeMemory = false,
            Cancellation = stop.Token,
            OnDecided = _ => tokenAt.Add(clock.Elapsed.TotalMilliseconds),
        });
        // Let the stream get going, as a job already running when the long document arrives.
        for (int i = 0; i < 3; i++) engine.RunIteration();
        var batchMs = new List<double>();
        double encodeStart = double.NaN, encodeEnd = double.NaN;
        var batches = windows.Chunk(model.Encoder.BatchSize).Select(batch => engine.Post(_ =>
        {
            double start = clock.Elapsed.TotalMilliseconds;
            if (double.IsNaN(encodeStart)) encodeStart = start;
            // The store would take the shards here; a 100,000-token bart-base document is 3.7 GB of F32 K/V.
            foreach (var s in model.Encoder.Encode("long", ids, batch, KvDType.F32)) s.Dispose();
            encodeEnd = clock.Elapsed.TotalMilliseconds;
            batchMs.Add(encodeEnd - start);
            return 0;
        })).ToArray();
        while (batches.Any(b => !b.IsCompleted)) engine.RunIteration();
        stop.Cancel();
        while (engine.RunIteration()) { }
        if (!stream.Completion.IsCanceled) throw new InvalidOperationException("The stream ended before the encode did; give it more tokens.");

        // Gaps between consecutive tokens that overlap the encode.
        double longest = 0;
        for (int i = 1; i < tokenAt.Count; i++)
            if (tokenAt[i] > encodeStart && tokenAt[i - 1] < encodeEnd) longest = Math.Max(longest, tokenAt[i] - tokenAt[i - 1]);
        double iteration = Timing.Median(iterationMs), batchMax = batchMs.Max();
        double bound = 2 * iteration + batchMax;
        var p = new Dictionary<string, object>
        {
            ["model"] = model.Name, ["document_tokens"] = DocumentTokens, ["windows"] = windows.Count, ["encoder_batch"] = model.Encoder.BatchSize,
            ["budget_ms"] = budget.TotalMilliseconds, ["iteration_ms"] = Math.Round(iteration, 2), ["batch_ms_median"] = Math.Round(Timing.Median(batchMs), 1),
            ["batch_ms_max"] = Math.Round(batchMax, 1),
        };
        results.Add(new Result("decode", "decode.stall_ms", longest, "ms", p, bound, longest / bound, "2 iterations + longest encoder batch"));
        results.Add(new Result("decode", "decode.encode_ms", encodeEnd - encodeStart, "ms", new(p), batchMs.Sum(), (encodeEnd - encodeStart) / batchMs.Sum(), "encoder batches alone"));
        results.Add(new Result("decode", "decode.tokens_during_encode", tokenAt.Count(t => t > encodeStart && t < encodeEnd), "tokens", new(p)));
        foreach (var s in shards) s.Dispose();
    }
}
