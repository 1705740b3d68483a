using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// The Prometheus scrape endpoint and the Orleans dashboard over real HTTP: what <c>/metrics</c> says after a job, who
/// may read it and the dashboard, and the separate metrics port.
/// </summary>
[Collection(OwnAppCollection.Name)]
public sealed class MetricsTests
{
    private const string OpsKey = "key-of-the-operators", TenantKey = "key-of-tenant-a";
    private const long Budget = 64L << 20;

    /// <summary>The label names of the meter's attributes (summarizer.silo → summarizer_silo), which the files also use.</summary>
    private static readonly string[] LabelNames =
    [
        "summarizer_silo", "summarizer_model", "summarizer_tenant", "summarizer_job_state", "summarizer_job_outcome",
        "summarizer_shard_source", "summarizer_shard_fetch_result", "summarizer_refusal_reason", "summarizer_encode_cause",
    ];

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private static string[] Settings(params string[] more) =>
    [
        "--Summarizer:Api:Keys:0:Tenant=ops", $"--Summarizer:Api:Keys:0:Sha256={Hash(OpsKey)}",
        "--Summarizer:Api:Keys:1:Tenant=tenant-a", $"--Summarizer:Api:Keys:1:Sha256={Hash(TenantKey)}",
        // Listing the anonymous tenant as admin must not open anything to anonymous callers.
        "--Summarizer:Api:AdminTenants:0=ops", "--Summarizer:Api:AdminTenants:1=default",
        "--Summarizer:Api:AllowAnonymous=true", $"--Summarizer:MemoryBudgetBytes={Budget}",
        .. more,
    ];

    /// <summary>This app's silo label: series of other apps in the test process carry their own.</summary>
    private static (string, string) SiloOf(SiloApp app) => ("summarizer_silo", app.Services.GetRequiredService<ILocalSiloDetails>().Name);

    private static async Task<PrometheusText> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {body}");
        return PrometheusText.Parse(body);
    }

    /// <summary>
    /// A scrape taken once no job is active on the silo: a job's last counters (completed, its duration) are recorded
    /// after its "done" event can be seen, and leaving the active gauge is the last thing its run does.
    /// </summary>
    private static async Task<PrometheusText> ScrapeWhenIdleAsync(HttpClient http, (string, string) silo)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(30); ; await Task.Delay(50))
        {
            var m = await ScrapeAsync(http);
            if ((m.Find("summarizer_jobs_active", silo).Any() && m.Sum("summarizer_jobs_active", silo) == 0) || DateTime.UtcNow > deadline) return m;
        }
    }

    private static async Task<(string Id, System.Text.Json.JsonElement Statistics)> RunJobAsync(HttpClient tenant, int maxNewTokens)
    {
        using var post = await Submissions.PostAsync(tenant, TinyCheckpoint.Document(2000, 3000).Document, maxNewTokens, minNewTokens: maxNewTokens);
        var id = await Submissions.AcceptedAsync(post);
        await Submissions.AssertDoneAsync(tenant, id);
        return (id, (await Submissions.GetJobAsync(tenant, id)).GetProperty("statistics"));
    }

    [Fact]
    public async Task After_a_job_the_scraped_metrics_count_one_job_its_tokens_and_one_encoder_run_per_shard()
    {
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10, Settings());
        using var tenant = app.ClientWithKey(TenantKey);
        using var ops = app.ClientWithKey(OpsKey);
        var (_, statistics) = await RunJobAsync(tenant, maxNewTokens: 6);
        int shards = statistics.GetProperty("shardCount").GetInt32(), tokens = statistics.GetProperty("tokens").GetInt32();
        Assert.True(shards > 1 && tokens == 6, $"{shards} shards, {tokens} tokens");
        Assert.Equal(shards, statistics.GetProperty("encoderRuns").GetInt64());

        var silo = SiloOf(app);
        var m = await ScrapeWhenIdleAsync(ops, silo);
        var model = ("summarizer_model", Path.GetFileName(TinyCheckpoint.Directory.TrimEnd('/')));
        Assert.Equal(1, m.Sum("summarizer_jobs_submitted_total", silo, model));
        Assert.Equal(1, m.Sum("summarizer_jobs_started_total", silo, model));
        Assert.Equal(1, m.Sum("summarizer_jobs_completed_total", silo, model));
        Assert.Equal(0, m.Sum("summarizer_jobs_failed_total", silo));
        Assert.Equal(0, m.Sum("summarizer_jobs_cancelled_total", silo));
        Assert.Equal(tokens, m.Sum("summarizer_tokens_generated_total", silo, model));
        Assert.Equal(shards, m.Sum("summarizer_encoder_runs_total", silo, model, ("summarizer_encode_cause", "document")));
        Assert.InRange(m.Sum("summarizer_encoder_batches_total", silo), 1, shards);
        Assert.Equal(m.Sum("summarizer_encoder_batches_total", silo), m.Sum("summarizer_encoder_batch_duration_seconds_count", silo));
        Assert.Equal(1, m.Sum("summarizer_job_time_to_first_token_seconds_count", silo, model));
        Assert.Equal(1, m.Sum("summarizer_job_duration_seconds_count", silo, ("summarizer_job_outcome", "completed")));
        Assert.Equal(1, m.Sum("summarizer_decode_token_rate_per_second_count", silo));
        // Nothing left queued or running, both states reported (a gauge the HPA reads must exist at zero).
        Assert.Equal(2, m.Find("summarizer_jobs_active", silo).Count());
        Assert.Equal(0, m.Sum("summarizer_jobs_active", silo));
        Assert.Equal(Budget, m.Sum("summarizer_kv_memory_limit_bytes", silo));
        Assert.InRange(m.Sum("summarizer_kv_memory_usage_bytes", silo), 1, Budget);
        Assert.Equal(shards, m.Sum("summarizer_kv_shards", silo));
        Assert.Equal(0, m.Sum("summarizer_kv_evictions_total", silo));
        Assert.Equal(0, m.Sum("summarizer_requests_refused_total", silo));
        // One job alone: every decoder iteration (at most one per token) had that job's rows, one per beam.
        double iterations = m.Sum("summarizer_scheduler_iteration_duration_seconds_count", silo);
        Assert.InRange(iterations, 1, tokens);
        Assert.Equal(iterations, m.Sum("summarizer_scheduler_batch_rows_count", silo));
        double rows = m.Sum("summarizer_scheduler_batch_rows_sum", silo);
        Assert.True(rows >= iterations && rows % iterations == 0, $"{rows} rows in {iterations} iterations");
        Assert.Equal(0, m.Sum("summarizer_scheduler_jobs_queued", silo));
        // Orleans' meter and ASP.NET Core's are exported too.
        Assert.Contains(m.Samples, s => s.Name.StartsWith("orleans_", StringComparison.Ordinal));
        Assert.Contains(m.Samples, s => s.Name == "http_server_request_duration_seconds_count" && s.Labels.GetValueOrDefault("http_route") == "/v1/summaries/");
        // Never labelled by tenant unless configured.
        Assert.DoesNotContain("tenant-a", m.Text);
        Assert.DoesNotContain(m.Samples, s => s.Labels.ContainsKey("summarizer_tenant"));
    }

    /// <summary>
    /// The Prometheus names of the <c>Summarizer</c> meter's instruments, as the exporter writes them: dots to
    /// underscores, the unit as a suffix (s → _seconds, By → _bytes, {x}/s → _per_second, annotations alone → none),
    /// _total on counters, _bucket/_sum/_count on histograms (and their base name, as documentation uses it).
    /// </summary>
    private static HashSet<string> InstrumentNames()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name != Summarizer.Grains.Telemetry.SummarizerMetrics.MeterName) return;
                var name = instrument.Name.Replace('.', '_') + instrument.Unit switch
                {
                    "s" => "_seconds",
                    "By" => "_bytes",
                    { } unit when unit.EndsWith("/s", StringComparison.Ordinal) => "_per_second",
                    _ => "",
                };
                var type = instrument.GetType().GetGenericTypeDefinition();
                // A histogram's base name is how documentation speaks of it; its series carry the suffixes.
                if (type == typeof(System.Diagnostics.Metrics.Histogram<>)) names.UnionWith([name, name + "_bucket", name + "_sum", name + "_count"]);
                else names.Add(type == typeof(System.Diagnostics.Metrics.Counter<>) || type == typeof(System.Diagnostics.Metrics.ObservableCounter<>) ? name + "_total" : name);
            },
        };
        listener.Start();
        return names;
    }

    [Fact]
    public async Task Every_series_the_dashboard_alerts_and_autoscaling_query_is_one_the_silo_exports()
    {
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10, Settings());
        using var ops = app.ClientWithKey(OpsKey);
        var scraped = (await ScrapeAsync(ops)).Samples.Select(s => s.Name).Where(n => n.StartsWith("summarizer_", StringComparison.Ordinal)).ToHashSet();
        var exported = InstrumentNames();
        // The naming rule above is the exporter's: every series scraped is named by it.
        Assert.True(scraped.IsSubsetOf(exported), "scraped but not named by the rule: " + string.Join(", ", scraped.Except(exported)));
        var monitoring = Path.Combine(OpenApiTests.RepositoryRoot, "deploy", "k8s", "components", "monitoring");
        var files = Directory.GetFiles(monitoring).Select(File.ReadAllText).Append(await File.ReadAllTextAsync(Path.Combine(OpenApiTests.RepositoryRoot, "docs", "deploy.md")));
        var used = files.SelectMany(text => System.Text.RegularExpressions.Regex.Matches(text, @"\bsummarizer_[a-z_]+\b").Select(m => m.Value))
            .Where(n => !LabelNames.Contains(n))
            .ToHashSet();
        Assert.NotEmpty(used);
        Assert.True(used.IsSubsetOf(exported), "not exported: " + string.Join(", ", used.Except(exported)));
    }

    [Fact]
    public async Task Metrics_and_the_dashboard_answer_not_found_to_anyone_but_admin_tenants()
    {
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10, Settings());
        using var tenant = app.ClientWithKey(TenantKey);
        using var nobody = app.ClientWithKey("not-a-key");
        using var ops = app.ClientWithKey(OpsKey);
        foreach (var path in new[] { "/metrics", "/dashboard/", "/dashboard/index.html", "/dashboard/DashboardCounters", "/dashboard/ClusterStats" })
        {
            foreach (var (who, http) in new[] { ("a tenant", tenant), ("an anonymous caller", app.Http), ("a wrong key", nobody) })
            {
                using var refused = await http.GetAsync(path);
                Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path} answered {(int)refused.StatusCode} to {who}");
            }
            using var admitted = await ops.GetAsync(path);
            Assert.True(admitted.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)admitted.StatusCode} to an admin");
        }
        // What the admin gets is the silo's own metrics. Asked again until they show: on a crowded machine a scrape taken
        // this soon after start came back without them once (the exporter caches a scrape for a moment).
        string scraped = "";
        for (var deadline = DateTime.UtcNow.AddSeconds(30); !scraped.Contains("summarizer_kv_memory_limit_bytes", StringComparison.Ordinal) && DateTime.UtcNow < deadline; await Task.Delay(200))
            scraped = await ops.GetStringAsync("/metrics");
        Assert.Contains("summarizer_kv_memory_limit_bytes", scraped);
        Assert.Contains("<html", await ops.GetStringAsync("/dashboard/"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_a_metrics_port_metrics_are_served_there_to_anyone_and_nowhere_else_and_only_they_are_served_there()
    {
        int metricsPort = RedisServer.FreePort();
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
            Settings($"--Summarizer:Telemetry:MetricsPort={metricsPort}", "--Summarizer:Telemetry:TenantLabel=true"));
        using var tenant = app.ClientWithKey(TenantKey);
        using var ops = app.ClientWithKey(OpsKey);
        await RunJobAsync(tenant, maxNewTokens: 2);

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        var m = await ScrapeWhenIdleAsync(scraper, SiloOf(app));
        // Configured: job counters carry the tenant.
        Assert.Equal(1, m.Sum("summarizer_jobs_completed_total", SiloOf(app), ("summarizer_tenant", "tenant-a")));

        using var onApiPort = await ops.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, onApiPort.StatusCode);
        using var withKey = new HttpClient { BaseAddress = scraper.BaseAddress };
        withKey.DefaultRequestHeaders.Authorization = new("Bearer", OpsKey);
        foreach (var path in new[] { "/", "/app.js", "/health/ready", "/v1/diagnostics", "/dashboard/", "/openapi/v1.json", "/v1/summaries/x" })
        {
            using var response = await withKey.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} answered {(int)response.StatusCode} on the metrics port");
        }
    }

    [Fact]
    public async Task Refused_requests_are_counted_by_reason()
    {
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
            Settings("--Summarizer:Api:RequestsPerMinute=2"));
        using var tenant = app.ClientWithKey(TenantKey);
        using var ops = app.ClientWithKey(OpsKey);
        for (int i = 0; i < 4; i++)
        {
            using var response = await tenant.GetAsync("/v1/summaries/unknown");
            Assert.Equal(i < 2 ? HttpStatusCode.NotFound : HttpStatusCode.TooManyRequests, response.StatusCode);
        }
        var m = await ScrapeAsync(ops);
        Assert.Equal(2, m.Sum("summarizer_requests_refused_total", SiloOf(app), ("summarizer_refusal_reason", "rate_limit")));
    }
}
