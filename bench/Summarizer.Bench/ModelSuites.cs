using Summarizer.Model;
using Summarizer.Model.Attention;
using Summarizer.Model.Bart;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Configuration;
using Summarizer.Model.Documents;
using Summarizer.Model.Encoder;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>A random model of a preset shape, built in memory (no tokenizer needed).</summary>
public sealed class RandomModel : IDisposable
{
    /// <summary>Builds <paramref name="preset"/> with random weights.</summary>
    public RandomModel(RandomCheckpoint.Preset preset)
    {
        Preset = preset;
        Config = RandomCheckpoint.ConfigFor(preset, preset == RandomCheckpoint.Preset.Tiny ? 2000 : 50265);
        using var weights = RandomWeights.Generate(Config, seed: 7, std: Config.InitStd);
        Network = new BartModel(weights, Config);
        Encoder = new ShardEncoder(Network, "bench-" + preset);
    }

    /// <summary>The preset.</summary>
    public RandomCheckpoint.Preset Preset { get; }

    /// <summary>Its name as the CLI spells it.</summary>
    public string Name => Preset == RandomCheckpoint.Preset.Tiny ? "tiny" : "bart-base";

    /// <summary>Config.</summary>
    public ModelConfig Config { get; }

    /// <summary>Network.</summary>
    public BartModel Network { get; }

    /// <summary>Shard encoder (batch 4).</summary>
    public ShardEncoder Encoder { get; }

    /// <summary>Random encoder-like states <c>[1, tokens, d_model]</c>.</summary>
    public Tensor RandomHidden(int tokens, int seed)
    {
        using var g = new Generator((ulong)seed);
        return randn([1, tokens, Config.DModel], generator: g);
    }

    /// <summary>K/V shards of <paramref name="shardRows"/> rows projected from <paramref name="hidden"/> <c>[1, n, d]</c>.</summary>
    public List<KvShard> Shards(Tensor hidden, int shardRows, KvDType dtype = KvDType.F32)
    {
        var shards = new List<KvShard>();
        long n = hidden.shape[1];
        for (int i = 0; i * (long)shardRows < n; i++)
        {
            using var scope = NewDisposeScope();
            long start = i * (long)shardRows, len = Math.Min(shardRows, n - start);
            shards.Add(Encoder.ProjectShard("bench", i, (int)start, (int)(start + len), hidden[0].narrow(0, start, len), dtype));
        }
        return shards;
    }

    /// <summary>Random content token ids avoiding the special ids 0..3.</summary>
    public int[] RandomIds(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => rng.Next(4, Config.VocabSize)).ToArray();
    }

    /// <summary>Settings producing exactly <paramref name="tokens"/> new tokens.</summary>
    public static GenerationSettings Fixed(int tokens, int beams) => new()
    {
        MaxLength = tokens + 1,
        MinLength = tokens + 1,
        NumBeams = beams,
        DecoderStartTokenId = 2,
        EosTokenId = 2,
        PadTokenId = 1,
        EarlyStopping = EarlyStoppingMode.Never,
    };

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}

/// <summary>Plain softmax attention over one concatenated K/V per layer: the dense baseline.</summary>
public sealed class DenseMemory : ICrossAttentionMemory, IDisposable
{
    private readonly (Tensor K, Tensor V)[] _layers;

    /// <summary>Takes ownership of per-layer <c>[1, heads, L, headDim]</c> K and V.</summary>
    public DenseMemory((Tensor K, Tensor V)[] layers) => _layers = layers;

    /// <summary>Concatenates shards' K/V per layer.</summary>
    public static DenseMemory FromShards(IReadOnlyList<KvShard> shards)
    {
        using var _ = no_grad();
        var layers = new (Tensor, Tensor)[shards[0].Layers.Count];
        for (int l = 0; l < layers.Length; l++)
        {
            var k = cat(shards.Select(s => s.Layers[l].Keys).ToArray(), 1).to_type(ScalarType.Float32).unsqueeze(0).contiguous();
            var v = cat(shards.Select(s => s.Layers[l].Values).ToArray(), 1).to_type(ScalarType.Float32).unsqueeze(0).contiguous();
            layers[l] = (k, v);
        }
        return new DenseMemory(layers);
    }

    /// <inheritdoc />
    public Tensor Attend(int layer, Tensor query, int positions = 1) => DenseAttention.Attend(query, _layers[layer].K, _layers[layer].V);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (k, v) in _layers)
        {
            k.Dispose();
            v.Dispose();
        }
    }
}

/// <summary>
/// What a naive implementation does: keeps the encoder states and projects every layer's cross K/V again at every
/// decoder step (at layer 0), then attends densely.
/// </summary>
public sealed class RecomputingMemory(BartModel model, Tensor hidden) : ICrossAttentionMemory
{
    private IReadOnlyList<(Tensor Keys, Tensor Values)>? _kv;

    /// <summary>Projections performed.</summary>
    public int Projections { get; private set; }

    /// <inheritdoc />
    public Tensor Attend(int layer, Tensor query, int positions = 1)
    {
        // Layer 0 starts a new step: the previous step's projections belong to that step's dispose scope.
        if (layer == 0)
        {
            _kv = model.ProjectCrossKeyValues(hidden);
            Projections++;
        }
        var (k, v) = _kv![layer];
        return DenseAttention.Attend(query, k, v);
    }
}

/// <summary>Suites that need only random tensors or a random in-memory model.</summary>
public static class ModelSuites
{
    private const int Heads = 12, HeadDim = 64, Layers = 6, ShardRows = 1024;

    /// <summary>1. Cross-attention step cost against source length: dense vs exact sharded vs top-k sparse.</summary>
    public static void CrossAttention(ResultSet results, bool quick)
    {
        Console.WriteLine("[crossattn] bart-base shape, one decode step over all 6 layers");
        int[] sizes = quick ? [1024, 2048, 4096, 8192, 16384, 32768] : [1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072];
        int[] beamsList = [1, 4];
        int repeats = quick ? 5 : 7;
        using var _ = no_grad();
        foreach (int tokens in sizes)
        {
            int shardCount = tokens / ShardRows;
            var shards = new List<KvShard>();
            using (var g = new Generator(11UL))
            {
                for (int s = 0; s < shardCount; s++)
                {
                    var layers = Enumerable.Range(0, Layers)
                        .Select(_ => (randn([Heads, ShardRows, HeadDim], generator: g), randn([Heads, ShardRows, HeadDim], generator: g)))
                        .ToArray();
                    shards.Add(new KvShard("bench", "bench", s, s * ShardRows, (s + 1) * ShardRows, KvDType.F32, layers));
                }
            }
            // One memory at a time (each holds its own copy of the K/V), dense first: ratios come from this process.
            var modes = new List<string> { "dense", "exact" };
            foreach (int k in new[] { 4, 8 })
                if (k < shardCount) modes.Add($"top{k}");
            // The trade-off of bounding the beams' union: top-4 with every beam's own picks read, however many.
            if (4 < shardCount) modes.Add("top4-unbounded");
            var denseMs = new Dictionary<int, double>();
            foreach (var mode in modes)
            {
                ICrossAttentionMemory memory = mode switch
                {
                    "dense" => DenseMemory.FromShards(shards),
                    "exact" => new ShardedCrossAttention(shards, CrossAttentionMode.Exact),
                    "top4-unbounded" => new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(4, int.MaxValue)),
                    _ => new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(int.Parse(mode[3..], System.Globalization.CultureInfo.InvariantCulture))),
                };
                foreach (int beams in beamsList)
                {
                    using var gq = new Generator(13UL);
                    using var q = Scalars.With(0.125, s => randn([beams, Heads, 1, HeadDim], generator: gq).mul(s));
                    // Three warm-ups: the first sparse memory of a run measured 2x slower than the same path later.
                    double ms = Timing.MedianMs(repeats, () =>
                    {
                        using var scope = NewDisposeScope();
                        for (int l = 0; l < Layers; l++) memory.Attend(l, q);
                    }, warmup: 3);
                    var p = new Dictionary<string, object> { ["mode"] = mode, ["source_tokens"] = tokens, ["beams"] = beams, ["shard_rows"] = ShardRows, ["layers"] = Layers, ["repeats"] = repeats };
                    if (mode == "dense")
                    {
                        denseMs[beams] = ms;
                        results.Add(new Result("crossattn", "crossattn.step_ms", ms, "ms", p));
                    }
                    else
                    {
                        results.Add(new Result("crossattn", "crossattn.step_ms", ms, "ms", p, denseMs[beams], ms / denseMs[beams], "dense"));
                    }
                }
                ((IDisposable)memory).Dispose();
            }
            foreach (var s in shards) s.Dispose();
            GC.Collect();
        }
        // Sparse flatness: largest size vs 8K, same process.
        foreach (var mode in new[] { "top4", "top4-unbounded", "top8", "exact", "dense" })
            foreach (int beams in beamsList)
            {
                var at8 = results.Results.FirstOrDefault(r => r.Name == "crossattn.step_ms" && (string)r.Parameters["mode"] == mode && (int)r.Parameters["source_tokens"] == 8192 && (int)r.Parameters["beams"] == beams);
                var atMax = results.Results.FirstOrDefault(r => r.Name == "crossattn.step_ms" && (string)r.Parameters["mode"] == mode && (int)r.Parameters["source_tokens"] == sizes[^1] && (int)r.Parameters["beams"] == beams);
                if (at8 is null || atMax is null) continue;
                results.Add(new Result("crossattn", "crossattn.growth", atMax.Value / at8.Value, "x",
                    new() { ["mode"] = mode, ["beams"] = beams, ["from_tokens"] = 8192, ["to_tokens"] = sizes[^1] }, at8.Value, atMax.Value / at8.Value, "8192 tokens"));
            }
        Plots.Curves(results, "crossattn.step_ms", "source_tokens", "mode", r => (int)r.Parameters["beams"] == 1,
            "Cross-attention, one decode step (6 layers, bart-base shape, 1 beam)", "source tokens", "ms", "crossattn_step.png", logX: true, logY: true);
    }

    /// <summary>2. Encode once: 64 tokens with cached cross K/V vs recomputing the projections every step.</summary>
    public static void EncodeOnce(ResultSet results, bool quick)
    {
        const int tokensOut = 64;
        foreach (var preset in new[] { RandomCheckpoint.Preset.Tiny, RandomCheckpoint.Preset.BartBase })
        {
            using var model = new RandomModel(preset);
            bool tiny = preset == RandomCheckpoint.Preset.Tiny;
            int[] sizes = tiny ? (quick ? [1024, 4096, 16384] : [1024, 4096, 16384, 65536]) : (quick ? [512, 1024] : [1024, 2048, 4096, 8192]);
            int repeats = tiny ? 3 : (quick ? 2 : 3);
            int shardRows = model.Config.MaxPositionEmbeddings;
            Console.WriteLine($"[encode-once] {model.Name}: {tokensOut} greedy tokens, cached K/V vs recomputed projections");
            using var _ = no_grad();
            foreach (int n in sizes)
            {
                using var hidden = model.RandomHidden(n, seed: n);
                var shards = model.Shards(hidden, shardRows);
                var settings = RandomModel.Fixed(tokensOut, 1);
                double cached = Timing.MedianMs(repeats, () =>
                {
                    using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact);
                    using var target = new LocalDecodeTarget(model.Network, memory);
                    GreedySearch.Run(target, settings);
                });
                double naive = Timing.MedianMs(repeats, () =>
                {
                    var memory = new RecomputingMemory(model.Network, hidden);
                    using var target = new LocalDecodeTarget(model.Network, memory);
                    GreedySearch.Run(target, settings);
                    if (memory.Projections != tokensOut) throw new InvalidOperationException($"expected {tokensOut} projections, got {memory.Projections}");
                }, warmup: 0);
                foreach (var s in shards) s.Dispose();
                var p = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = n, ["new_tokens"] = tokensOut, ["repeats"] = repeats };
                results.Add(new Result("encode-once", "encode_once.cached_ms", cached, "ms", new(p)));
                results.Add(new Result("encode-once", "encode_once.recompute_ms", naive, "ms", new(p), cached, naive / cached, "cached"));
            }
        }
        Plots.Curves(results, "encode_once.recompute_ms", "source_tokens", "model", _ => true,
            "Recompute K/V every step ÷ cached K/V (64 tokens)", "source tokens", "speed-up (×)", "encode_once_ratio.png", logX: true, useRatio: true);
    }

    /// <summary>4. Encoder throughput by shard length, batched (4) vs one shard at a time.</summary>
    public static void Encoder(ResultSet results, bool quick)
    {
        using var model = new RandomModel(RandomCheckpoint.Preset.BartBase);
        int sourceTokens = quick ? 2048 : 8192;
        int repeats = quick ? 2 : 3;
        Console.WriteLine($"[encoder] bart-base, {sourceTokens} source tokens (encoder + K/V projection)");
        var ids = model.RandomIds(sourceTokens, 3);
        foreach (int len in new[] { 256, 512, 1024 })
        {
            var windows = DocumentSharder.Plan(ids.Length, new ShardingOptions(len));
            double baseline = double.NaN;
            foreach (int batch in new[] { 1, 4 })
            {
                var encoder = new ShardEncoder(model.Network, "bench", batchSize: batch);
                double ms = Timing.MedianMs(repeats, () =>
                {
                    foreach (var s in encoder.Encode("bench", ids, windows, KvDType.F32)) s.Dispose();
                }, warmup: len == 256 && batch == 1 ? 1 : 0);
                var p = new Dictionary<string, object> { ["model"] = model.Name, ["shard_length"] = len, ["batch"] = batch, ["source_tokens"] = sourceTokens, ["shards"] = windows.Count, ["repeats"] = repeats };
                double tps = sourceTokens / (ms / 1000);
                if (batch == 1)
                {
                    baseline = tps;
                    results.Add(new Result("encoder", "encoder.tokens_per_s", tps, "tokens/s", p));
                }
                else
                {
                    results.Add(new Result("encoder", "encoder.tokens_per_s", tps, "tokens/s", p, baseline, tps / baseline, "batch 1"));
                }
            }
        }
        Plots.Curves(results, "encoder.tokens_per_s", "shard_length", "batch", _ => true,
            "Encoder throughput (bart-base shape)", "shard length", "source tokens/s", "encoder_throughput.png");
    }
}
