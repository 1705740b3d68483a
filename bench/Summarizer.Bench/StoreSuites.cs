using System.Diagnostics;
using StackExchange.Redis;
using Summarizer.Grains.KvStore;
using Summarizer.Model.Attention;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Documents;
using Summarizer.Model.Generation;
using Summarizer.Model.KvCache;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>Memory, Redis store and real-document suites.</summary>
public static class StoreSuites
{
    /// <summary>5. K/V bytes per source token per dtype, from the store; peak process memory for a 100K-token document.
    /// 7. Redis write/read MB/s of shard blobs; rehydrating a 100K-token document vs re-encoding it.</summary>
    public static async Task MemoryAndRedis(ResultSet results, bool quick, bool memory, bool redis)
    {
        await using var server = await RedisServer.StartAsync();
        using var mux = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        var store = new RedisShardBlobStore(mux, "bench");
        using var _ = no_grad();

        foreach (var preset in new[] { RandomCheckpoint.Preset.Tiny, RandomCheckpoint.Preset.BartBase })
        {
            using var model = new RandomModel(preset);
            int rows = model.Config.MaxPositionEmbeddings;
            using var hidden = model.RandomHidden(rows * 8, 21);
            foreach (var dtype in new[] { KvDType.F32, KvDType.F16, KvDType.BF16 })
            {
                var shards = model.Shards(hidden, rows, dtype);
                var blobs = shards.Select(KvShardSerializer.Serialize).ToArray();
                var keys = shards.Select(s => new ShardKey(new Summarizer.Contracts.DocumentKey("bench", $"{model.Name}-{dtype}", "bench"), s.Index)).ToArray();
                long bytes = blobs.Sum(b => (long)b.Length);
                if (memory)
                {
                    await store.PutAsync(keys.Zip(blobs).ToArray());
                    var back = await store.GetAsync(keys);
                    long stored = back.Sum(b => (long)b!.Length);
                    int tokens = shards.Sum(s => s.ValidLength);
                    double perToken = (double)stored / tokens;
                    double formula = KvShard.BytesPerToken(model.Network.DecoderLayerCount, model.Config.DModel, dtype);
                    results.Add(new Result("memory", "memory.kv_bytes_per_token", perToken, "B/token",
                        new() { ["model"] = model.Name, ["dtype"] = dtype.ToString(), ["tokens"] = tokens, ["shards"] = shards.Count }, formula, perToken / formula, "formula 2·layers·d_model·elem"));
                }
                if (redis && dtype == KvDType.F16)
                {
                    int repeats = 5;
                    var wkeys = keys.Select(k => k with { Document = k.Document with { ContentHash = k.Document.ContentHash + "-w" } }).ToArray();
                    double writeMs = Timing.MedianMs(repeats, () => store.PutAsync(wkeys.Zip(blobs).ToArray()).GetAwaiter().GetResult());
                    double readMs = Timing.MedianMs(repeats, () => store.GetAsync(wkeys).GetAwaiter().GetResult());
                    var p = new Dictionary<string, object> { ["model"] = model.Name, ["dtype"] = dtype.ToString(), ["blobs"] = blobs.Length, ["blob_bytes"] = blobs[0].Length, ["repeats"] = repeats };
                    results.Add(new Result("redis", "redis.write_MBps", bytes / 1e6 / (writeMs / 1000), "MB/s", new(p)));
                    results.Add(new Result("redis", "redis.read_MBps", bytes / 1e6 / (readMs / 1000), "MB/s", new(p)));
                }
                foreach (var s in shards) s.Dispose();
            }
        }

        // A 100K-token document, tiny model (bart-base only in the full suite).
        var presets = quick ? new[] { RandomCheckpoint.Preset.Tiny } : [RandomCheckpoint.Preset.Tiny, RandomCheckpoint.Preset.BartBase];
        foreach (var preset in presets)
        {
            using var model = new RandomModel(preset);
            const int docTokens = 100_000;
            var ids = model.RandomIds(docTokens, 99);
            var windows = DocumentSharder.Plan(ids.Length, new ShardingOptions(model.Config.MaxPositionEmbeddings, Math.Min(64, (model.Config.MaxPositionEmbeddings - 2) / 8)));
            var pBase = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = docTokens, ["shards"] = windows.Count, ["dtype"] = "F16" };
            if (memory)
            {
                GC.Collect();
                long before = Timing.RssBytes();
                bool reset = Timing.ResetPeakRss();
                var sw = Stopwatch.StartNew();
                var shards = model.Encoder.Encode("doc", ids, windows, KvDType.F16);
                using (var attention = new ShardedCrossAttention(shards, CrossAttentionMode.Exact))
                using (var target = new LocalDecodeTarget(model.Network, attention))
                    GreedySearch.Run(target, RandomModel.Fixed(16, 1));
                long peak = Timing.PeakRssBytes();
                long kv = shards.Sum(s => s.PayloadBytes);
                foreach (var s in shards) s.Dispose();
                var p = new Dictionary<string, object>(pBase) { ["new_tokens"] = 16, ["peak_reset"] = reset, ["rss_before_bytes"] = before, ["kv_payload_bytes"] = kv, ["seconds"] = Math.Round(sw.Elapsed.TotalSeconds, 1) };
                results.Add(new Result("memory", "memory.peak_rss_100k_bytes", peak, "B", p));
                results.Add(new Result("memory", "memory.peak_rss_growth_100k_bytes", peak - before, "B", new(p), kv, (double)(peak - before) / kv, "K/V payload"));
            }
            if (redis)
            {
                int repeats = preset == RandomCheckpoint.Preset.Tiny ? 3 : 1;
                List<KvShard>? last = null;
                double encodeMs = Timing.MedianMs(repeats, () =>
                {
                    if (last is not null) foreach (var s in last) s.Dispose();
                    last = model.Encoder.Encode("doc", ids, windows, KvDType.F16).ToList();
                }, warmup: 0);
                var blobs = last!.Select(KvShardSerializer.Serialize).ToArray();
                var keys = last!.Select(s => new ShardKey(new Summarizer.Contracts.DocumentKey("bench", "doc100k-" + model.Name, "bench"), s.Index)).ToArray();
                foreach (var s in last!) s.Dispose();
                await store.PutAsync(keys.Zip(blobs).ToArray());
                double rehydrateMs = Timing.MedianMs(repeats, () =>
                {
                    var got = store.GetAsync(keys).GetAwaiter().GetResult();
                    foreach (var b in got) KvShardSerializer.Deserialize(b!).Dispose();
                });
                var p = new Dictionary<string, object>(pBase) { ["blob_bytes_total"] = blobs.Sum(b => (long)b.Length), ["repeats"] = repeats };
                results.Add(new Result("redis", "redis.reencode_100k_ms", encodeMs, "ms", new(p)));
                results.Add(new Result("redis", "redis.rehydrate_100k_ms", rehydrateMs, "ms", new(p), encodeMs, rehydrateMs / encodeMs, "re-encode"));
            }
        }
    }

    /// <summary>8. Real documents: every QMSum meeting of the dev set, end to end with the tiny checkpoint; sparse vs exact agreement.</summary>
    public static void RealDocuments(ResultSet results, bool quick)
    {
        var dir = TinyCheckpoint.Directory;
        using var model = SummarizationModel.Load(dir);
        var docs = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).Where(d => d.Source == "qmsum").ToList();
        Console.WriteLine($"[realdocs] tiny checkpoint, {docs.Count} QMSum meetings, beam 4, 64 new tokens, exact vs top-4");
        var exactOptions = new SummaryOptions { MaxNewTokens = 64, NumBeams = 4 };
        var sparseOptions = exactOptions with { CrossAttention = CrossAttentionMode.Sparse(4) };
        var overlaps = new List<double>();
        var times = new List<double>();
        int identical = 0;
        foreach (var doc in docs)
        {
            var sw = Stopwatch.StartNew();
            var ids = model.TokenizeContent(doc.Document);
            var shards = model.EncodeDocument(doc.Id, ids, model.DefaultSharding, KvDType.F32);
            var exact = model.Generate(shards, exactOptions);
            double ms = sw.Elapsed.TotalMilliseconds;
            var sparse = model.Generate(shards, sparseOptions);
            foreach (var s in shards) s.Dispose();
            double overlap = Overlap(exact.GeneratedIds, sparse.GeneratedIds);
            if (exact.GeneratedIds.SequenceEqual(sparse.GeneratedIds)) identical++;
            overlaps.Add(overlap);
            times.Add(ms);
            var p = new Dictionary<string, object> { ["doc"] = doc.Id, ["words"] = doc.Words, ["source_tokens"] = ids.Count, ["shards"] = shards.Count, ["model"] = "tiny", ["beams"] = 4 };
            results.Add(new Result("realdocs", "realdocs.e2e_ms", ms, "ms", p));
            results.Add(new Result("realdocs", "realdocs.sparse_overlap", overlap, "fraction", new(p) { ["k"] = 4 }));
        }
        var agg = new Dictionary<string, object> { ["docs"] = docs.Count, ["model"] = "tiny", ["k"] = 4, ["identical"] = identical };
        results.Add(new Result("realdocs", "realdocs.e2e_ms_median", Timing.Median(times), "ms", new(agg)));
        results.Add(new Result("realdocs", "realdocs.sparse_overlap_mean", overlaps.Average(), "fraction", new(agg)));
        Plots.Curves(results, "realdocs.e2e_ms", "source_tokens", "model", _ => true,
            "QMSum meetings end to end (tiny checkpoint, beam 4, 64 tokens)", "source tokens", "ms", "realdocs_e2e.png", sortX: true, markersOnly: true);
    }

    /// <summary>Multiset overlap of two id sequences: |A ∩ B| / max(|A|, |B|).</summary>
    public static double Overlap(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        if (a.Count == 0 && b.Count == 0) return 1;
        var counts = a.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        int common = 0;
        foreach (var x in b)
            if (counts.TryGetValue(x, out int c) && c > 0)
            {
                counts[x] = c - 1;
                common++;
            }
        return (double)common / Math.Max(a.Count, b.Count);
    }
}
