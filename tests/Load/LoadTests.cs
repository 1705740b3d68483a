using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;
using Summarizer.TestSupport.Load;
using Xunit.Abstractions;

namespace Summarizer.Load.Tests;

/// <summary>
/// The short load run CI does: a real silo process on loopback with a K/V budget far below what the documents need,
/// concurrent clients submitting real meetings and streaming their summaries for a fixed window. Only facts are
/// asserted (every accepted job completed with the text it streamed, nothing duplicated, memory within budget);
/// the figures are printed, and the long run's are in README.
/// </summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private const string TenantKey = "load-tenant-key", AdminKey = "load-admin-key";
    private const long Budget = 8L << 20;

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private static string SiloDll => Path.GetFullPath(typeof(LoadTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SiloDll").Value!);

    [Fact]
    public async Task ConcurrentClientsStreamingRealDocumentsLoseNothingDuplicateNothingAndStayWithinTheKvBudget()
    {
        await using var silo = await SiloProcess.StartAsync(SiloDll, new Dictionary<string, string>
        {
            ["Summarizer__ModelDirectory"] = TinyCheckpoint.Directory,
            ["Summarizer__ShardLength"] = "128",
            ["Summarizer__MemoryBudgetBytes"] = Budget.ToString(),
            ["Summarizer__Api__Keys__0__Tenant"] = "load",
            ["Summarizer__Api__Keys__0__Sha256"] = Hash(TenantKey),
            ["Summarizer__Api__Keys__1__Tenant"] = "ops",
            ["Summarizer__Api__Keys__1__Sha256"] = Hash(AdminKey),
            ["Summarizer__Api__AdminTenants__0"] = "ops",
            // The load is the subject here, not the request-rate limit (tested in tests/Silo).
            ["Summarizer__Api__RequestsPerMinute"] = "100000",
        });
        // Distinct meetings, each needing several MiB of K/V with this model, so the budget forces evictions.
        var documents = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"))
            .Where(d => d.Words is >= 3000 and <= 9000).Take(8).Select(d => d.Document).ToList();

        var report = await LoadDriver.RunAsync(new LoadSettings
        {
            BaseUrl = silo.Url,
            ApiKey = TenantKey,
            AdminKey = AdminKey,
            Clients = 4,
            Duration = TimeSpan.FromSeconds(45),
            Documents = documents,
            Options = new { maxNewTokens = 12 },
        });
        output.WriteLine(report.ToMarkdown());

        Assert.True(report.Jobs.Count >= 4, $"only {report.Jobs.Count} jobs were accepted");
        Assert.Empty(report.Errors);
        Assert.All(report.Jobs, j => Assert.True(j.Completed, $"job {j.Id}: {j.Problem}"));
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(report.Jobs.Count, report.Jobs.Select(j => j.Id).Distinct().Count());
        Assert.NotNull(report.PeakKvBytes);
        Assert.Equal(Budget, report.KvBudgetBytes);
        Assert.InRange(report.PeakKvBytes!.Value, 1, Budget);
        Assert.True(report.Evictions > 0, "documents larger than the budget should have forced evictions");
    }
}
