using Summarizer.Model.KvCache;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>Bytes of K/V per source token per dtype, measured from serialized shards, against the formula.</summary>
public static class MemorySuite
{
    public static IEnumerable<BenchRecord> Run()
    {
        foreach (var (model, layers, dModel, heads) in new[] { ("bart-base", 6, 768, 12), ("bart-large-cnn", 12, 1024, 16) })
        {
            foreach (var dtype in new[] { KvDType.F32, KvDType.F16, KvDType.BF16 })
            {
                const int rows = 1024;
                using var scope = NewDisposeScope();
                using var shard = new KvShard("bench", "bench", 0, 0, rows, dtype,
                    Enumerable.Range(0, layers).Select(_ => (zeros(heads, rows, dModel / heads, dtype.ToScalarType()).DetachFromDisposeScope(),
                        zeros(heads, rows, dModel / heads, dtype.ToScalarType()).DetachFromDisposeScope())).ToArray());
                double measured = (double)KvShardSerializer.Serialize(shard).Length / rows;
                double formula = KvShard.BytesPerToken(layers, dModel, dtype);
                yield return new BenchRecord("kv_bytes_per_source_token", measured, "bytes",
                    new Dictionary<string, object> { ["model"] = model, ["dtype"] = dtype.ToString(), ["shardRows"] = rows }, formula, measured / formula);
            }
        }
    }
}
