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
    public static async Task RunAsync(ResultSet results, string outDir, int clients, int seconds, long budgetBytes)
    {
        await using var silo = await SiloProcess.StartAsync(SiloDll, new Dictionary<string, string>
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
        });
        var documents = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).Select(d => d.Document).ToList();
        Console.WriteLine($"[load] {clients} clients, {seconds} s, {documents.Count} documents, K/V budget {budgetBytes >> 20} MiB, silo {silo.Url}");
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
        var markdown = report.ToMarkdown();
        Console.WriteLine(markdown);
        File.WriteAllText(Path.Combine(outDir, "load.md"), markdown);

        var p = new Dictionary<string, object> { ["model"] = "tiny", ["clients"] = clients, ["seconds"] = seconds, ["documents"] = documents.Count, ["new_tokens"] = 32, ["kv_budget_bytes"] = budgetBytes };
        var done = report.Jobs.Where(j => j.Completed).ToList();
        void Add(string name, double value, string unit) => results.Add(new Result("load", "load." + name, value, unit, new(p)));
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
    }
}
