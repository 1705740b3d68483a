using Summarizer.Model.Attention;
using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>
/// One decode step's cross-attention over all decoder layers of a bart-base-shaped model (6 layers, 12 heads of 64)
/// against source length: dense softmax over one concatenated K/V, exact sharded (per-shard partials merged by
/// log-sum-exp), and top-k sparse; plus the naive decoder that recomputes the K/V projections every step.
/// </summary>
public static class CrossAttentionSuite
{
    private const int Layers = 6, Heads = 12, HeadDim = 64, ShardRows = 1024, DModel = Heads * HeadDim;

    public static IEnumerable<BenchRecord> Run(int[] lengths, int repeats)
    {
        using var _ = no_grad();
        manual_seed(1);
        foreach (int length in lengths)
        {
            using var scope = NewDisposeScope();
            int shardCount = (length + ShardRows - 1) / ShardRows;
            var shards = Enumerable.Range(0, shardCount).Select(s =>
            {
                int rows = Math.Min(ShardRows, length - s * ShardRows);
                return new KvShard("bench", "bench", s, s * ShardRows, s * ShardRows + rows, KvDType.F32,
                    Enumerable.Range(0, Layers).Select(_ => (randn(Heads, rows, HeadDim).DetachFromDisposeScope(), randn(Heads, rows, HeadDim).DetachFromDisposeScope())).ToArray());
            }).ToArray();
            var denseK = Enumerable.Range(0, Layers).Select(l => cat(shards.Select(s => s.Layers[l].Keys).ToArray(), 1).unsqueeze(0)).ToArray();
            var denseV = Enumerable.Range(0, Layers).Select(l => cat(shards.Select(s => s.Layers[l].Values).ToArray(), 1).unsqueeze(0)).ToArray();
            var query = randn(1, Heads, 1, HeadDim) * 0.125;
            var parameters = new Dictionary<string, object> { ["sourceTokens"] = length, ["shards"] = shardCount, ["layers"] = Layers, ["beams"] = 1 };

            double dense = Timing.MedianMs(() =>
            {
                using var step = NewDisposeScope();
                for (int l = 0; l < Layers; l++) query.matmul(denseK[l].transpose(-1, -2)).softmax(-1).matmul(denseV[l]);
            }, repeats);
            yield return new BenchRecord("cross_attention_step.dense", dense, "ms", parameters);

            using (var exact = new ShardedCrossAttention(shards, CrossAttentionMode.Exact))
            {
                double ms = Timing.MedianMs(() =>
                {
                    using var step = NewDisposeScope();
                    for (int l = 0; l < Layers; l++) exact.Attend(l, query);
                }, repeats);
                yield return new BenchRecord("cross_attention_step.exact_sharded", ms, "ms", parameters, dense, ms / dense);
            }
            foreach (int k in new[] { 4, 8 })
            {
                using var sparse = new ShardedCrossAttention(shards, CrossAttentionMode.Sparse(k));
                double ms = Timing.MedianMs(() =>
                {
                    using var step = NewDisposeScope();
                    for (int l = 0; l < Layers; l++) sparse.Attend(l, query);
                }, repeats);
                yield return new BenchRecord($"cross_attention_step.sparse_top{k}", ms, "ms", parameters, dense, ms / dense);
            }

            // What a decoder without the K/V cache does each step: project the encoder output through k_proj and v_proj.
            var encoderOut = randn(1, length, DModel);
            var wk = randn(DModel, DModel) * 0.02;
            var wv = randn(DModel, DModel) * 0.02;
            double recompute = Timing.MedianMs(() =>
            {
                using var step = NewDisposeScope();
                for (int l = 0; l < Layers; l++)
                {
                    var k = nn.functional.linear(encoderOut, wk).view(1, length, Heads, HeadDim).transpose(1, 2);
                    var v = nn.functional.linear(encoderOut, wv).view(1, length, Heads, HeadDim).transpose(1, 2);
                    query.matmul(k.transpose(-1, -2)).softmax(-1).matmul(v);
                }
            }, Math.Max(3, repeats / 2));
            yield return new BenchRecord("cross_attention_step.recompute_kv_each_step", recompute, "ms", parameters, dense, recompute / dense);

            foreach (var s in shards) s.Dispose();
        }
    }
}
