using System.Diagnostics;
using Summarizer.Bench;

// Usage: --suite all|crossattn,encode-once,decode,attribution,encoder,memory,distributed,redis,realdocs,load,job-writes,lse-merge,step,stall [--quick [--full SUITES]] --out DIR
//        [--load-clients N --load-seconds S --load-grain-storage memory|redis --load-kv-budget-mib M --load-env K=V,...] [--dist-model tiny|bart-base]
//        [--threads N] [--dist-model bart-base|tiny]
//        --report DIR [--docs docs/benchmarks.md] [--images docs/bench] [--readme README.md]
string? Arg(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
bool quick = args.Contains("--quick");
// --full crossattn,... runs those suites at full size even with --quick (e.g. the 128K cross-attention points).
var fullSuites = Arg("--full")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
bool Quick(string suite) => quick && !fullSuites.Contains(suite);

if (Arg("--report") is { } reportDir)
{
    var images = Arg("--images") ?? Path.Combine("docs", "bench");
    Report.Write(reportDir, Arg("--docs") ?? Path.Combine("docs", "benchmarks.md"), images);
    Report.WriteReadmeSection(reportDir, Arg("--readme") ?? "README.md", images);
    return 0;
}

// Torch intra-op threads; with other work on a 2-core machine, 1 avoids OpenMP spin-wait stalls.
if (Arg("--threads") is { } threads) TorchSharp.torch.set_num_threads(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture));
var outDir = Arg("--out") ?? "bench-results";
Directory.CreateDirectory(outDir);
Plots.Directory = outDir;
string[] all = ["crossattn", "encode-once", "decode", "encoder", "memory", "distributed", "redis", "realdocs", "load", "job-writes", "lse-merge"];
// Parts of the decode suite that can also run alone; "all" runs them once, inside decode.
string[] known = [.. all, "attribution", "step", "stall"];
var suiteArg = Arg("--suite") ?? "all";
var suites = suiteArg == "all" ? all : suiteArg.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
foreach (var s in suites)
    if (!known.Contains(s)) { Console.Error.WriteLine($"unknown suite '{s}'; known: {string.Join(", ", known)}"); return 2; }

var results = new ResultSet { Quick = quick, Suites = [.. suites], FullSuites = quick ? [.. fullSuites] : [] };
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
Timed("crossattn", () => ModelSuites.CrossAttention(results, Quick("crossattn")));
Timed("encode-once", () => ModelSuites.EncodeOnce(results, Quick("encode-once")));
Timed("decode", () => DecodeSuite.Run(results, Quick("decode")));
// Parts of the decode suite run alone, on bart-base as inside it: attribution's cost, the batched step's cost
// against its rows, a stream's stall while a long document encodes.
void DecodePart(string suite, Action<ResultSet, RandomModel, bool> run) => Timed(suite, () =>
{
    using var model = new RandomModel(Summarizer.Model.Checkpoints.RandomCheckpoint.Preset.BartBase);
    using var _ = TorchSharp.torch.no_grad();
    run(results, model, Quick(suite));
});
DecodePart("attribution", AttributionCost.Run);
DecodePart("step", StepProfile.Run);
DecodePart("stall", EncodeStall.Run);
Timed("encoder", () => ModelSuites.Encoder(results, Quick("encoder")));
if (suites.Contains("memory") || suites.Contains("redis"))
{
    var sw = Stopwatch.StartNew();
    await StoreSuites.MemoryAndRedis(results, quick, suites.Contains("memory"), suites.Contains("redis"));
    Console.WriteLine($"[memory/redis] {sw.Elapsed.TotalSeconds:F0} s");
    save();
}
int exitCode = 0;
if (suites.Contains("distributed"))
{
    var sw = Stopwatch.StartNew();
    try
    {
        await DistributedSuite.RunAsync(results, quick, Arg("--dist-model") ?? "bart-base");
    }
    catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or TaskCanceledException or System.Text.Json.JsonException)
    {
        // The cluster is already down (the suite tears it down on every exit); the other suites still run.
        Console.Error.WriteLine("[distributed] failed: " + e.Message);
        results.Skipped["distributed"] = "failed: " + e.Message.Split('\n')[0];
        exitCode = 1;
    }
    Console.WriteLine($"[distributed] {sw.Elapsed.TotalSeconds:F0} s");
    save();
}
Timed("realdocs", () => StoreSuites.RealDocuments(results, quick));
if (suites.Contains("load"))
{
    // Quick: 4 clients for a minute; full: 16 clients for ten. Either can be set with --load-clients / --load-seconds.
    int clients = Arg("--load-clients") is { } c ? int.Parse(c, System.Globalization.CultureInfo.InvariantCulture) : quick ? 4 : 16;
    int seconds = Arg("--load-seconds") is { } d ? int.Parse(d, System.Globalization.CultureInfo.InvariantCulture) : quick ? 60 : 600;
    var sw = Stopwatch.StartNew();
    // Job and document state in memory (the default, no external service) or in a Redis server started here.
    var storage = Arg("--load-grain-storage") ?? "memory";
    // Extra environment for the silo process (runtime settings to compare, e.g. DOTNET_gcServer=0), comma-separated.
    var siloEnvironment = (Arg("--load-env") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
    // The K/V budget: 16 MiB by default, small enough that concurrent jobs evict each other's shards (the memory bound
    // under pressure); --load-kv-budget-mib 2048 is the silo's default budget.
    long budgetMiB = Arg("--load-kv-budget-mib") is { } b ? long.Parse(b, System.Globalization.CultureInfo.InvariantCulture) : 16;
    await LoadSuite.RunAsync(results, outDir, clients, seconds, budgetBytes: budgetMiB << 20, grainStorage: storage, siloEnvironment);
    Console.WriteLine($"[load] {sw.Elapsed.TotalSeconds:F0} s");
    save();
}
if (suites.Contains("job-writes"))
{
    var sw = Stopwatch.StartNew();
    await JobWritesSuite.RunAsync(results);
    Console.WriteLine($"[job-writes] {sw.Elapsed.TotalSeconds:F0} s");
    save();
}
if (suites.Contains("lse-merge"))
{
    if (quick) results.Skipped["lse-merge"] = "BenchmarkDotNet micro-benchmark of the LSE merge runs only in the full suite (it is slow).";
    else Timed("lse-merge", () => MergeBenchmarks.Run(results));
}
save();
Console.WriteLine($"done in {wall.Elapsed.TotalSeconds:F0} s: {Path.Combine(outDir, "results.json")}");
return exitCode;
