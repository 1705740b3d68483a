using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;
using Summarizer.TestSupport.Load;

namespace Summarizer.Bench;

/// <summary>
/// The hardening issue's load test, long version: concurrent clients submitting the real long documents of the dev set to one silo
/// process on loopback over HTTP and streaming their summaries for a fixed window, against a K/V budget smaller than
/// the documents need. Writes <c>load.md</c> beside <c>results.json</c>; the short version runs in CI (tests/Load).
/// </summary>
public static class LoadSuite
{
    private const string TenantKey = "bench-load-tenant", AdminKey = "bench-load-admin";

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private static string SiloDll => Path.GetFullPath(typeof(LoadSuite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SiloDll").Value!);

    /// <summary>Runs <paramref name="clients"/> clients for <paramref name="seconds"/> seconds and records the figures.</summary>
    public static async Task RunAsync(ResultSet results, string outDir, int clients, int seconds, long budgetBytes, string grainStorage = "memory",
        IReadOnlyDictionary<string, string>? siloEnvironment = null)
    {
        await using var redis = grainStorage == "redis" ? await RedisServer.StartAsync() : null;
        var settings = new Dictionary<string, string>
        {
            ["Summarizer__ModelDirectory"] = TinyCheckpoint.Directory,
            ["Summarizer__ShardLength"] = "128",
            ["Summarizer__MemoryBudgetBytes"] = budgetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Summarizer__MaxConcurrentJobsPerTenant"] = clients.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Summarizer__Api__Keys__0__Tenant"] = "load",
            ["Summarizer__Api__Keys__0__Sha256"] = Hash(TenantKey),
            ["Summarizer__Api__Keys__1__Tenant"] = "ops",
            ["Summarizer__Api__Keys__1__Sha256"] = Hash(AdminKey),
            ["Summarizer__Api__AdminTenants__0"] = "ops",
            ["Summarizer__Api__RequestsPerMinute"] = "100000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        if (redis is not null)
        {
            settings["Summarizer__GrainStorage"] = "redis";
            settings["Summarizer__RedisConnectionString"] = redis.ConnectionString;
        }
        foreach (var (key, value) in siloEnvironment ?? new Dictionary<string, string>()) settings[key] = value;
        await using var silo = await SiloProcess.StartAsync(SiloDll, settings);
        var documents = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).Select(d => d.Document).ToList();
        Console.WriteLine($"[load] {clients} clients, {seconds} s, {documents.Count} documents, K/V budget {budgetBytes >> 20} MiB, grain storage {grainStorage}, silo {silo.Url}");
        var trace = new MemoryTrace(silo.ProcessId, silo.Url, AdminKey);
        string phase = "load";
        using var stopTrace = new CancellationTokenSource();
        var tracing = trace.RunAsync(() => phase, TimeSpan.FromSeconds(5), stopTrace.Token);
        // Clients stop submitting after the window; the jobs still running then drain, which is not steady load.
        _ = Task.Delay(TimeSpan.FromSeconds(seconds)).ContinueWith(_ => { if (phase == "load") phase = "drain"; }, TaskScheduler.Default);
        var report = await LoadDriver.RunAsync(new LoadSettings
        {
            BaseUrl = silo.Url,
            ApiKey = TenantKey,
            AdminKey = AdminKey,
            Clients = clients,
            Duration = TimeSpan.FromSeconds(seconds),
            DrainLimit = TimeSpan.FromMinutes(10),
            Documents = documents,
            Options = new { maxNewTokens = 32 },
        });
        // Idle after the load: what the silo keeps when nobody uses it.
        phase = "idle";
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(90, Math.Max(20, seconds / 6))));
        stopTrace.Cancel();
        await tracing;
        File.WriteAllText(Path.Combine(outDir, "load-memory.csv"), trace.ToCsv());
        var markdown = report.ToMarkdown() + MemoryMarkdown(trace, seconds);
        Console.WriteLine(markdown);
        File.WriteAllText(Path.Combine(outDir, "load.md"), markdown);

        var p = new Dictionary<string, object> { ["model"] = "tiny", ["clients"] = clients, ["seconds"] = seconds, ["documents"] = documents.Count, ["new_tokens"] = 32, ["kv_budget_bytes"] = budgetBytes, ["grain_storage"] = grainStorage };
        var done = report.Jobs.Where(j => j.Completed).ToList();
        // A run in which no job completed has no latencies: nothing is recorded rather than a NaN that JSON cannot hold.
        void Add(string name, double value, string unit)
        {
            if (double.IsFinite(value)) results.Add(new Result("load", "load." + name, value, unit, new(p)));
        }
        Add("accepted", report.Jobs.Count, "jobs");
        Add("completed", done.Count, "jobs");
        Add("lost", report.Lost, "jobs");
        Add("duplicated_events", report.Duplicated, "events");
        Add("errors", report.Errors.Values.Sum(), "requests");
        Add("throttled", report.Throttled, "requests");
        Add("jobs_per_min", report.JobsPerMinute, "jobs/min");
        Add("tokens_per_s", report.TokensPerSecond, "tokens/s");
        foreach (var q in new[] { 50, 95, 99 })
        {
            Add($"ttft_p{q}_ms", LoadReport.Percentile(done.Select(j => j.TimeToFirstTokenMs), q), "ms");
            Add($"completion_p{q}_ms", LoadReport.Percentile(done.Select(j => j.CompletionMs), q), "ms");
        }
        if (report.PeakKvBytes is { } peak)
        {
            results.Add(new Result("load", "load.peak_kv_bytes", peak, "B", new(p), budgetBytes, (double)peak / budgetBytes, "K/V budget"));
            Add("evictions", report.Evictions ?? 0, "shards");
            Add("peak_silo_rss_bytes", report.PeakProcessBytes ?? 0, "B");
        }
        if (trace.Trend(WarmUpSeconds(seconds)) is var (slope, interval, first, last, min, max))
        {
            Add("rss_trend_mib_per_min", slope, "MiB/min");
            Add("rss_trend_interval95_mib_per_min", interval, "MiB/min");
            Add("rss_after_warmup_bytes", first.RssBytes, "B");
            Add("rss_end_of_load_bytes", last.RssBytes, "B");
            Add("rss_range_after_warmup_bytes", max - min, "B");
        }
        if (trace.FloorTrend(WarmUpSeconds(seconds)) is var (growth, _))
            results.Add(new Result("load", "load.rss_floor_trend_mib_per_min", growth, "MiB/min", new(p), MemoryTrace.FlatMiBPerMinute, growth / MemoryTrace.FlatMiBPerMinute, "RSS floor growth after warm-up"));
        if (trace.Samples.LastOrDefault(s => s.Phase == "idle") is { } idle) Add("rss_idle_bytes", idle.RssBytes, "B");
    }

    /// <summary>
    /// The warm-up excluded from the flatness check: the first half of the window, at least a minute. The K/V cache
    /// fills within the first minute, but the GC keeps raising its budgets for minutes after (on the shared 2-core
    /// machine a step came as late as 240 s), so only the second half is steady state.
    /// </summary>
    private static double WarmUpSeconds(int seconds) => Math.Max(60, seconds / 2.0);

    private static string MemoryMarkdown(MemoryTrace trace, int seconds)
    {
        static string M(long b) => (b / 1048576.0).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
        var idle = trace.Samples.LastOrDefault(s => s.Phase == "idle");
        var text = new StringBuilder("\n### Silo memory\n\n");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (trace.Trend(WarmUpSeconds(seconds)) is not var (slope, interval, first, last, min, max) || trace.FloorTrend(WarmUpSeconds(seconds)) is not var (growth, floors))
            text.Append(inv, $"The {seconds} s window leaves too few samples after its {WarmUpSeconds(seconds):F0} s warm-up to judge flatness.");
        else
        {
            text.Append(inv, $"From {WarmUpSeconds(seconds):F0} s to the end of the {seconds} s submission window, resident memory went from {M(first.RssBytes)} MiB to {M(last.RssBytes)} MiB (range {M(min)}–{M(max)} MiB); ");
            text.Append(inv, $"the trend of all samples is {slope:+0.00;-0.00} ± {interval:0.00} MiB/min (95%). ");
            text.Append(inv, $"Each minute's lowest RSS: {string.Join(", ", floors.Select(f => f.ToString("F0", inv)))} MiB, a trend of {growth:+0.00;-0.00} MiB/min against a growth bound of {MemoryTrace.FlatMiBPerMinute} MiB/min: **{(growth <= MemoryTrace.FlatMiBPerMinute ? "flat" : "growing")}**.");
        }
        if (idle is not null) text.Append($" Idle after the load: {M(idle.RssBytes)} MiB resident.");
        text.Append("\n\n| phase | seconds | RSS | anonymous | GC heap | GC committed | C heap in use | C heap free | K/V |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        var samples = trace.Samples;
        foreach (var s in samples.Where((s, i) => i % Math.Max(1, samples.Count / 20) == 0 || i == samples.Count - 1))
            text.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"| {s.Phase} | {s.Seconds:F0} | {M(s.RssBytes)} | {M(s.AnonymousBytes)} | {M(s.ManagedBytes)} | {M(s.ManagedCommittedBytes)} | {M(s.NativeInUseBytes)} | {M(s.NativeFreeBytes)} | {M(s.KvBytes)} |\n");
        return text.ToString();
    }
}
