using Summarizer.Model.Configuration;

namespace Summarizer.Bench;

/// <summary>
/// The most a batched decoder step can gain on hardware where a step is bound by the bytes it reads (a CPU, and a GPU
/// at batch sizes this small once launch overheads are gone). One job's step reads every decoder weight once and its
/// own cross-attention K/V once; a step over N jobs reads the weights once and the K/V of each document once (jobs on
/// one document share it). So N jobs' tokens/s can be at most N·(W + K) / (W + D·K) times one job's, D being the
/// documents. Arithmetic over BART's layout at the benchmarked shape, not a timing: it says which scheduler goals a
/// bandwidth-bound machine can meet at all, and the measured one-row step gives the bandwidth this machine reached.
/// </summary>
internal static class BandwidthCeiling
{
    /// <summary>Records <c>decode.step_mb</c> (bytes one step reads) and <c>decode.batch_ceiling</c> (N = 8) per source length and K/V dtype.</summary>
    public static void Run(ResultSet results, RandomModel model, double oneRowStepMs)
    {
        const int Jobs = 8;
        var (config, modelName) = (model.Config, model.Name);
        double weights = DecoderStepWeightBytes(config);
        // Keys and values of every decoder layer over the source, in the K/V store's dtype.
        double KvBytes(int source, int bytes) => (double)source * config.DecoderLayers * 2 * config.DModel * bytes;
        results.Add(new Result("decode", "decode.step_mb", weights / 1e6, "MB", new() { ["model"] = modelName, ["part"] = "weights" }));
        foreach (int source in new[] { 1024, 8192 })
            foreach (var (dtype, bytes) in new[] { ("F32", 4), ("F16", 2) })
            {
                double kv = KvBytes(source, bytes);
                var p = new Dictionary<string, object> { ["model"] = modelName, ["source_tokens"] = source, ["kv_dtype"] = dtype };
                results.Add(new Result("decode", "decode.step_mb", kv / 1e6, "MB", new(p) { ["part"] = "kv_per_job" }));
                foreach (var (documents, reads) in new[] { ("one", 1), ("distinct", Jobs) })
                {
                    double ceiling = Jobs * (weights + kv) / (weights + reads * kv);
                    results.Add(new Result("decode", "decode.batch_ceiling", ceiling, "x", new(p) { ["jobs"] = Jobs, ["documents"] = documents }));
                    Console.WriteLine($"[decode] bandwidth ceiling, {Jobs} jobs, {source:N0} tokens, {documents} document(s), K/V {dtype}: {ceiling:F2}x");
                }
            }
        // What this machine reached on one row at 1,024 source tokens (F32), to compare with its memory bandwidth.
        double oneRow = weights + KvBytes(1024, 4);
        results.Add(new Result("decode", "decode.step_gbps", oneRow / (oneRowStepMs / 1e3) / 1e9, "GB/s",
            new() { ["model"] = modelName, ["source_tokens"] = 1024, ["rows"] = 1 }));
    }

    /// <summary>
    /// Bytes of F32 weights a BART decoder step reads: per layer self-attention Q, K, V, O and cross-attention Q, O
    /// (the cross K/V projections run once per document, at encode time), the two feed-forward products and three
    /// layer norms; then the LM head over the vocabulary. Embedding rows and biases of a few rows are left out.
    /// </summary>
    private static double DecoderStepWeightBytes(ModelConfig c)
    {
        double d = c.DModel, ffn = c.DecoderFfnDim;
        double layer = 6 * d * d + 2 * d * ffn + 6 * d + 6 * d + ffn + d;
        return 4 * (c.DecoderLayers * layer + (double)c.VocabSize * d);
    }
}
