using System.Diagnostics;
using Summarizer.Model.Attention;
using Summarizer.Model.Attribution;
using Summarizer.Model.Generation;

namespace Summarizer.Bench;

/// <summary>
/// Part of the decode suite: decoding with attribution on against off (goal: at most 10% slower). One job on the
/// single-job path, bart-base, exact attention over 1,024- and 8,192-token sources, greedy and beam 4; runs with and
/// without attribution alternate (A, B, A, B, ...) so load from elsewhere hits both alike, and CPU time is compared.
/// </summary>
public static class AttributionCost
{
    /// <summary>Measures and records <c>decode.attribution_cpu_ratio</c> (on ÷ off) and both runs' CPU ms.</summary>
    public static void Run(ResultSet results, RandomModel model, bool quick)
    {
        int newTokens = quick ? 16 : 48, pairs = quick ? 3 : 5;
        Console.WriteLine($"[decode] attribution on vs off: bart-base, {newTokens} new tokens, sources 1024/8192, greedy and beam 4, {pairs} pairs");
        foreach (int source in new[] { 1024, 8192 })
        {
            using var hidden = model.RandomHidden(source, 7);
            var shards = model.Shards(hidden, 1024);
            foreach (int beams in new[] { 1, 4 })
            {
                var settings = RandomModel.Fixed(newTokens, beams);
                double Decode(bool attribution)
                {
                    var trace = attribution ? new AttentionTrace(model.Encoder.Template) : null;
                    using var memory = new ShardedCrossAttention(shards, CrossAttentionMode.Exact, attribution: trace);
                    using var target = new LocalDecodeTarget(model.Network, memory);
                    double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds;
                    var result = DecodeSearch.Run(DecodeSearch.Create(settings, model.Config.VocabSize, attribution: trace), target, null, default);
                    cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalMilliseconds - cpu;
                    if (trace is not null && trace.Path(result.Origin.Pass, result.Origin.Row).Count != result.GeneratedIds.Count)
                        throw new InvalidOperationException("attribution records do not cover the generated tokens");
                    return cpu;
                }
                Decode(false);
                Decode(true);
                var off = new List<double>();
                var on = new List<double>();
                for (int pair = 0; pair < pairs; pair++)
                {
                    off.Add(Decode(false));
                    on.Add(Decode(true));
                }
                double offMs = Timing.Median(off), onMs = Timing.Median(on);
                var p = new Dictionary<string, object> { ["model"] = model.Name, ["source_tokens"] = source, ["beams"] = beams, ["new_tokens"] = newTokens, ["pairs"] = pairs };
                results.Add(new Result("decode", "decode.attribution_cpu_ms", onMs, "ms", new(p) { ["attribution"] = "on" }, offMs, onMs / offMs, "attribution off"));
                results.Add(new Result("decode", "decode.attribution_cpu_ms", offMs, "ms", new(p) { ["attribution"] = "off" }));
                Console.WriteLine($"[decode] attribution source {source} beams {beams}: off {offMs:F0} ms, on {onMs:F0} ms CPU, ratio {onMs / offMs:F3} (goal <= 1.10)");
            }
            foreach (var s in shards) s.Dispose();
        }
    }
}
