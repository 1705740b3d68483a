using System.Diagnostics;
using Summarizer.Model;
using Summarizer.Model.Attention;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Generation;
using Summarizer.Model.Scheduling;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>
/// 3. Decode throughput with the iteration-level scheduler: concurrent jobs batched into one decoder step per
/// iteration, against today's path (one job at a time on the inference thread); how ragged self-attention is laid
/// out; whether distributed jobs belong in the batch.
/// </summary>
public static class DecodeSuite
{
    private static readonly int[] Concurrency = [1, 2, 4, 8, 16];
    private const int Pairs = 5;   // sequential / engine-with-one-job measurements, taken in turn

    /// <summary>Runs every part of the decode suite.</summary>
    public static void Run(ResultSet results, bool quick)
    {
        using var model = new RandomModel(RandomCheckpoint.Preset.BartBase);
        using var _ = no_grad();
        StepProfile.Run(results, model, quick);
        Scaling(results, model, quick);
        AttributionCost.Run(results, model, quick);
        SelfAttentionLayout(results, quick);
        DistributedPlacement(results, model, quick);
        EncodeStall.Run(results, model, quick);
    }

    /// <summary>Total and per-job tokens/s for 1-16 concurrent jobs, 1,024- and 8,192-token sources, greedy and beam 4.</summary>
    private static void Scaling(ResultSet results, RandomModel model, bool quick)
    {
        int newTokens = quick ? 24 : 64, repeats = quick ? 1 : 3;
        Console.WriteLine($"[decode] bart-base, {newTokens} new tokens per job, jobs {string.Join("/", Concurrency)}, sources 1024/8192, greedy and beam 4");
        foreach (int source in new[] { 1024, 8192 })
        {
            using var hidden = model.RandomHidden(source, 5);
            var shards = model.Shards(hidden, 1024);
            // One memory for every job. As is, the jobs are on one document and the engine folds their cross-attention into
            // one call per layer; behind OwnDocument each job attends it alone, as jobs on distinct documents do (the
            // same cost per job, without 16 copies of the K/V).
            using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
            foreach (int beams in new[] { 1, 4 })
            {
                var settings = RandomModel.Fixed(newTokens, beams);
                var p = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = source, ["beams"] = beams, ["new_tokens"] = newTokens };
                // Today's path: one job on the inference thread, GreedySearch.Run / BeamSearch.Run on a LocalDecodeTarget.
                // Measured in turn with the engine's single job (A, B, A, B, ...), so load from elsewhere hits both alike.
                void Sequential()
                {
                    using var target = new LocalDecodeTarget(model.Network, memory);
                    DecodeSearch.Run(DecodeSearch.Create(settings, model.Config.VocabSize), target, null, default);
                }
                Sequential();
                RunEngine(model, memory, settings, 1);   // warm-up
                var sequentialMs = new List<double>();
                var sequentialCpuMs = new List<double>();
                var singleRuns = new List<EngineRun>();
                for (int pair = 0; pair < Pairs; pair++)
                {
                    var clock = Stopwatch.StartNew();
                    var cpu = CpuMs();
                    Sequential();
                    sequentialCpuMs.Add(CpuMs() - cpu);
                    sequentialMs.Add(clock.Elapsed.TotalMilliseconds);
                    singleRuns.Add(RunEngine(model, memory, settings, 1));
                }
                double sequential = newTokens / (Timing.Median(sequentialMs) / 1000);
                double sequentialCpu = newTokens / (Timing.Median(sequentialCpuMs) / 1000);
                results.Add(new Result("decode", "decode.tokens_per_s", sequential, "tokens/s", new(p) { ["path"] = "sequential", ["jobs"] = 1, ["repeats"] = Pairs }));
                results.Add(new Result("decode", "decode.tokens_per_cpu_s", sequentialCpu, "tokens/CPU-s", new(p) { ["path"] = "sequential", ["jobs"] = 1, ["repeats"] = Pairs }));
                double one = double.NaN, oneCpu = double.NaN;
                foreach (var (jobs, documents) in Concurrency.SelectMany(j => new[] { (j, "distinct"), (j, "one") }))
                {
                    ICrossAttentionMemory attended = documents == "one" ? memory : new OwnDocument(memory);
                    var runs = jobs == 1 ? singleRuns.ToArray() : Enumerable.Range(0, repeats).Select(_ => RunEngine(model, attended, settings, jobs)).ToArray();
                    var run = runs.OrderBy(r => r.WallMs).ElementAt(runs.Length / 2);
                    double total = jobs * newTokens / (run.WallMs / 1000);
                    double totalCpu = jobs * newTokens / (Timing.Median(runs.Select(r => r.CpuMs)) / 1000);
                    string series = $"{source} tokens, {(beams == 1 ? "greedy" : $"beam {beams}")}";
                    var q = new Dictionary<string, object>(p) { ["path"] = "engine", ["jobs"] = jobs, ["rows"] = jobs * beams, ["repeats"] = runs.Length, ["documents"] = documents, ["series"] = $"{series}, {documents} document{(documents == "one" ? "" : "s")}" };
                    if (jobs == 1)
                    {
                        (one, oneCpu) = (total, totalCpu);
                        results.Add(new Result("decode", "decode.tokens_per_s", total, "tokens/s", q, sequential, total / sequential, "sequential (today's path)"));
                        results.Add(new Result("decode", "decode.tokens_per_cpu_s", totalCpu, "tokens/CPU-s", new(q), sequentialCpu, totalCpu / sequentialCpu, "sequential (today's path)"));
                    }
                    else
                    {
                        results.Add(new Result("decode", "decode.tokens_per_s", total, "tokens/s", q, one, total / one, "engine, 1 job"));
                        results.Add(new Result("decode", "decode.tokens_per_cpu_s", totalCpu, "tokens/CPU-s", new(q), oneCpu, totalCpu / oneCpu, "engine, 1 job"));
                    }
                    results.Add(new Result("decode", "decode.tokens_per_s_per_job", Timing.Median(run.PerJobTokensPerSecond), "tokens/s", new(q)));
                    results.Add(new Result("decode", "decode.ttft_ms", Timing.Median(run.FirstTokenMs), "ms", new(q)));
                    results.Add(new Result("decode", "decode.iteration_ms", run.MeanIterationMs, "ms", new(q)));
                }
            }
            foreach (var s in shards) s.Dispose();
        }
        Plots.Curves(results, "decode.tokens_per_s", "jobs", "series", r => Equals(r.Parameters["path"], "engine"),
            "Decode throughput against concurrent jobs (bart-base, batched steps)", "concurrent jobs", "total tokens/s", "decode_scaling.png", logX: true);
        Plots.Curves(results, "decode.tokens_per_s_per_job", "jobs", "series", _ => true,
            "Tokens/s each job sees against concurrent jobs (bart-base)", "concurrent jobs", "tokens/s per job", "decode_per_job.png", logX: true);
    }

    /// <summary>A job's own view of a shared memory: attended alone, never folded with other jobs (as distinct documents are).</summary>
    internal sealed class OwnDocument(ICrossAttentionMemory inner) : ICrossAttentionMemory
    {
        public Tensor Attend(int layer, Tensor query, int positions = 1) => inner.Attend(layer, query, positions);
    }

    private sealed record EngineRun(double WallMs, double CpuMs, double[] PerJobTokensPerSecond, double[] FirstTokenMs, double MeanIterationMs);

    /// <summary>
    /// CPU time this process has used. On a machine shared with other work, throughput per CPU-second changes far less
    /// than throughput per wall-second, so it is recorded beside it (most telling with <c>--threads 1</c>).
    /// </summary>
    private static double CpuMs() => Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;

    /// <summary>Submits <paramref name="jobs"/> jobs at once and drives the engine on this thread until all are done.</summary>
    private static EngineRun RunEngine(RandomModel model, ICrossAttentionMemory memory, GenerationSettings settings, int jobs)
    {
        using var engine = new IterationEngine(new SchedulerSettings { MaxBatchRows = 64 });
        var iterationMs = new List<double>();
        engine.Iterated += r => { if (r.Jobs > 0) iterationMs.Add(r.DecodeTime.TotalMilliseconds); };
        var first = new double[jobs];
        var last = new double[jobs];
        var clock = Stopwatch.StartNew();
        double cpu = CpuMs();
        var handles = Enumerable.Range(0, jobs).Select(j => engine.Submit(new DecodeJobRequest(model.Network, () => memory, settings)
        {
            DisposeMemory = false,
            OnDecided = _ =>
            {
                double now = clock.Elapsed.TotalMilliseconds;
                if (first[j] == 0) first[j] = now;
                last[j] = now;
            },
        })).ToArray();
        while (engine.RunIteration()) { }
        double wall = clock.Elapsed.TotalMilliseconds;
        cpu = CpuMs() - cpu;
        int tokens = settings.MaxLength - 1;
        foreach (var h in handles)
        {
            if (h.Completion.Result.GeneratedIds.Count != tokens) throw new InvalidOperationException($"a job generated {h.Completion.Result.GeneratedIds.Count} tokens, expected {tokens}");
        }
        return new EngineRun(wall, cpu, last.Select(t => tokens / (t / 1000)).ToArray(), first, iterationMs.Average());
    }

    /// <summary>
    /// Self-attention over ragged caches, per decoder step over all layers: one product per job against its own cache
    /// (what the engine does) vs one masked product over every row's cache padded to the longest, either built each
    /// step from the jobs' caches or kept in a preallocated padded buffer (the best case for padding: no per-step copy,
    /// but slots to manage as jobs join, leave and reorder beams).
    /// </summary>
    private static void SelfAttentionLayout(ResultSet results, bool quick)
    {
        const int heads = 12, dim = 64, layers = 6;
        int repeats = quick ? 5 : 15;
        foreach (int jobs in new[] { 4, 16 })
            foreach (int beams in new[] { 1, 4 })
            {
                var random = new Random(jobs * 10 + beams);
                var lengths = Enumerable.Range(0, jobs).Select(_ => random.Next(1, 141)).ToArray();   // summaries up to 140 tokens
                int rows = jobs * beams;
                long maxLength = lengths.Max() + 1;
                var caches = lengths.Select(n => (K: randn(beams, heads, n, dim), V: randn(beams, heads, n, dim))).ToArray();
                using var padded = randn(rows, heads, maxLength, dim);
                using var paddedV = randn(rows, heads, maxLength, dim);
                var allowed = new bool[rows * maxLength];
                for (int j = 0; j < jobs; j++)
                    for (int b = 0; b < beams; b++)
                        for (int t = 0; t <= lengths[j]; t++) allowed[(j * beams + b) * maxLength + t] = true;
                using var blocked = tensor(allowed, [rows, 1, 1, maxLength]).logical_not();
                using var query = randn(rows, heads, 1, dim);
                using var fresh = randn(rows, heads, 1, dim);
                using var positions = tensor(lengths.SelectMany(n => Enumerable.Repeat((long)n, beams)).ToArray());
                using var rowIndex = tensor(Enumerable.Range(0, rows).Select(r => (long)r).ToArray());
                double perSegment = Timing.MedianMs(repeats, () =>
                {
                    using var scope = NewDisposeScope();
                    for (int l = 0; l < layers; l++)
                    {
                        var parts = new Tensor[jobs];
                        for (int j = 0; j < jobs; j++)
                        {
                            var k = cat([caches[j].K, fresh.narrow(0, j * beams, beams)], 2);
                            var v = cat([caches[j].V, fresh.narrow(0, j * beams, beams)], 2);
                            parts[j] = query.narrow(0, j * beams, beams).matmul(k.transpose(-1, -2)).softmax(-1).matmul(v);
                        }
                        cat(parts, 0);
                    }
                });
                double builtMs = Timing.MedianMs(repeats, () =>
                {
                    using var scope = NewDisposeScope();
                    for (int l = 0; l < layers; l++)
                    {
                        // Each job's cache extended as the engine does, then padded to the longest and stacked: one product.
                        var keys = new Tensor[jobs];
                        var values = new Tensor[jobs];
                        for (int j = 0; j < jobs; j++)
                        {
                            long pad = maxLength - lengths[j] - 1;
                            keys[j] = nn.functional.pad(cat([caches[j].K, fresh.narrow(0, j * beams, beams)], 2), [0, 0, 0, pad]);
                            values[j] = nn.functional.pad(cat([caches[j].V, fresh.narrow(0, j * beams, beams)], 2), [0, 0, 0, pad]);
                        }
                        var scores = query.matmul(cat(keys, 0).transpose(-1, -2)).masked_fill_(blocked, Scalars.NegativeInfinity);
                        scores.softmax(-1).matmul(cat(values, 0));
                    }
                });
                double paddedMs = Timing.MedianMs(repeats, () =>
                {
                    using var scope = NewDisposeScope();
                    for (int l = 0; l < layers; l++)
                    {
                        // Each row's new key lands at its own position in place; one masked product for all rows.
                        padded.index_put_(fresh.squeeze(2), TensorIndex.Tensor(rowIndex), TensorIndex.Colon, TensorIndex.Tensor(positions));
                        paddedV.index_put_(fresh.squeeze(2), TensorIndex.Tensor(rowIndex), TensorIndex.Colon, TensorIndex.Tensor(positions));
                        var scores = query.matmul(padded.transpose(-1, -2)).masked_fill_(blocked, Scalars.NegativeInfinity);
                        scores.softmax(-1).matmul(paddedV);
                    }
                });
                foreach (var (k, v) in caches)
                {
                    k.Dispose();
                    v.Dispose();
                }
                var p = new Dictionary<string, object> { ["jobs"] = jobs, ["beams"] = beams, ["rows"] = rows, ["cache_lengths"] = $"1-140 (max {maxLength - 1})", ["layers"] = layers, ["repeats"] = repeats };
                results.Add(new Result("decode", "decode.selfattn_ms", perSegment, "ms", new(p) { ["layout"] = "per-job" }));
                results.Add(new Result("decode", "decode.selfattn_ms", builtMs, "ms", new(p) { ["layout"] = "padded each step" }, perSegment, builtMs / perSegment, "per-job"));
                results.Add(new Result("decode", "decode.selfattn_ms", paddedMs, "ms", new(p) { ["layout"] = "padded buffer kept" }, perSegment, paddedMs / perSegment, "per-job"));
            }
    }

    /// <summary>
    /// A distributed job in the batch or beside it. Its memory waits per layer for shard grains on other silos; the
    /// wait is simulated at the latency the distributed suite measured on loopback (cluster-distributed minus
    /// in-process time per token, over 6 layers), computing the partials locally meanwhile.
    /// </summary>
    private static void DistributedPlacement(ResultSet results, RandomModel model, bool quick)
    {
        const double remoteMsPerLayer = 9.0;   // (1/8.97 - 1/17.3) s per token over 6 layers, docs/benchmarks.md section 6
        int newTokens = quick ? 16 : 48, localJobs = 8;
        using var hidden = model.RandomHidden(1024, 6);
        var shards = model.Shards(hidden, 1024);
        using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
        var remote = new RemoteLikeMemory(memory, remoteMsPerLayer);
        var settings = RandomModel.Fixed(newTokens, 1);
        foreach (var placement in new[] { "none", "in-batch", "beside" })
        {
            using var engine = new IterationEngine();
            var clock = Stopwatch.StartNew();
            var locals = Enumerable.Range(0, localJobs).Select(_ => engine.Submit(new DecodeJobRequest(model.Network, () => memory, settings) { DisposeMemory = false })).ToList();
            DecodeJob? inBatch = placement == "in-batch" ? engine.Submit(new DecodeJobRequest(model.Network, () => remote, settings) { DisposeMemory = false }) : null;
            double distributedMs = double.NaN;
            var beside = placement == "beside" ? new Thread(() =>
            {
                using var ng = no_grad();
                var sw = Stopwatch.StartNew();
                using var target = new LocalDecodeTarget(model.Network, remote);
                GreedySearch.Run(target, settings);
                distributedMs = sw.Elapsed.TotalMilliseconds;
            }) : null;
            beside?.Start();
            while (locals.Any(j => !j.Completion.IsCompleted)) engine.RunIteration();
            double localMs = clock.Elapsed.TotalMilliseconds;
            while (engine.RunIteration()) { }
            if (inBatch is not null) distributedMs = clock.Elapsed.TotalMilliseconds;
            beside?.Join();
            var p = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = 1024, ["local_jobs"] = localJobs, ["new_tokens"] = newTokens, ["remote_ms_per_layer"] = remoteMsPerLayer, ["distributed_job"] = placement };
            results.Add(new Result("decode", "decode.local_tokens_per_s", localJobs * newTokens / (localMs / 1000), "tokens/s", p));
            if (!double.IsNaN(distributedMs)) results.Add(new Result("decode", "decode.distributed_job_tokens_per_s", newTokens / (distributedMs / 1000), "tokens/s", new(p)));
        }
        foreach (var s in shards) s.Dispose();
    }

    private sealed class RemoteLikeMemory(ICrossAttentionMemory inner, double waitMs) : ICrossAttentionMemory
    {
        public Tensor Attend(int layer, Tensor query, int positions = 1)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(waitMs));
            return inner.Attend(layer, query, positions);
        }
    }
}
