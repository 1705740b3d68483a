using System.Diagnostics;
using Summarizer.Bench;

// Usage: --suite all|crossattn,encode-once,decode,encoder,memory,redis,realdocs,lse-merge [--quick] --out DIR
//        --report DIR [--docs docs/benchmarks.md] [--images docs/bench]
string? Arg(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
bool quick = args.Contains("--quick");

if (Arg("--report") is { } reportDir)
{
    Report.Write(reportDir, Arg("--docs") ?? Path.Combine("docs", "benchmarks.md"), Arg("--images") ?? Path.Combine("docs", "bench"));
    return 0;
}

// Torch intra-op threads; with other work on a 2-core machine, 1 avoids OpenMP spin-wait stalls.
if (Arg("--threads") is { } threads) TorchSharp.torch.set_num_threads(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture));
var outDir = Arg("--out") ?? "bench-results";
Directory.CreateDirectory(outDir);
Plots.Directory = outDir;
string[] all = ["crossattn", "encode-once", "decode", "encoder", "memory", "redis", "realdocs", "lse-merge"];
var suiteArg = Arg("--suite") ?? "all";
var suites = suiteArg == "all" ? all : suiteArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
foreach (var s in suites)
    if (!all.Contains(s)) { Console.Error.WriteLine($"unknown suite '{s}'; known: {string.Join(", ", all)}"); return 2; }

var results = new ResultSet { Quick = quick, Suites = [.. suites] };
results.Skipped["distributed"] = "needs a multi-silo cluster, which does not exist yet.";
var wall = Stopwatch.StartNew();
var save = () => { results.WallSeconds = wall.Elapsed.TotalSeconds; results.Save(Path.Combine(outDir, "results.json")); };
Console.WriteLine($"Summarizer.Bench: {(quick ? "quick" : "full")}, suites {string.Join(",", suites)}, torch threads {TorchSharp.torch.get_num_threads()}, out {outDir}");
void Timed(string suite, Action run)
{
    if (!suites.Contains(suite)) return;
    var sw = Stopwatch.StartNew();
    run();
    Console.WriteLine($"[{suite}] {sw.Elapsed.TotalSeconds:F0} s");
    save();
}
Timed("crossattn", () => ModelSuites.CrossAttention(results, quick));
Timed("encode-once", () => ModelSuites.EncodeOnce(results, quick));
Timed("decode", () => ModelSuites.Decode(results, quick));
Timed("encoder", () => ModelSuites.Encoder(results, quick));
if (suites.Contains("memory") || suites.Contains("redis"))
{
    var sw = Stopwatch.StartNew();
    await StoreSuites.MemoryAndRedis(results, quick, suites.Contains("memory"), suites.Contains("redis"));
    Console.WriteLine($"[memory/redis] {sw.Elapsed.TotalSeconds:F0} s");
    save();
}
Timed("realdocs", () => StoreSuites.RealDocuments(results, quick));
if (suites.Contains("lse-merge"))
{
    if (quick) results.Skipped["lse-merge"] = "BenchmarkDotNet micro-benchmark of the LSE merge runs only in the full suite (it is slow).";
    else Timed("lse-merge", () => MergeBenchmarks.Run(results));
}
save();
Console.WriteLine($"done in {wall.Elapsed.TotalSeconds:F0} s: {Path.Combine(outDir, "results.json")}");
return 0;
