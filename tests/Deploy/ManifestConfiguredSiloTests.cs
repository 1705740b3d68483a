using System.Net;
using Summarizer.TestSupport;

namespace Summarizer.Deploy.Tests;

/// <summary>
/// The silo started exactly as the rendered manifests configure it (the same environment variables, resolved as the
/// kubelet would) on loopback: POD_IP is 127.0.0.1, ports are free ones, Redis is a real <c>redis-server</c>, the
/// model is the tiny checkpoint. It must join its Redis-clustered cluster and pass every probe.
/// </summary>
public sealed class ManifestConfiguredSiloTests
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("deploy/k8s/overlays/cpu", "summarizer-silo")]
    [InlineData("deploy/k8s/overlays/gpu", "summarizer-silo")]
    [InlineData("deploy/k8s/overlays/cpu-monitoring", "summarizer-silo")]
    public async Task Silo_configured_by_the_manifest_joins_a_redis_cluster_and_becomes_ready(string overlay, string deploymentName)
    {
        var rendered = Kustomize.Render(overlay);
        var deployment = rendered.Named<k8s.Models.V1Deployment>(deploymentName);
        var container = deployment.Spec.Template.Spec.Containers.Single();
        // A Redis that requires the password the Secret would hold (as the bundled StatefulSet does).
        var password = "secret-" + Guid.NewGuid().ToString("N");
        await using var redis = await RedisServer.StartAsync(security: new RedisServerSecurity(Password: password));

        var secrets = rendered.All<k8s.Models.V1Secret>().SelectMany(s => s.StringData.Select(d => (s.Metadata.Name, d.Key)))
            .ToDictionary(k => k, k => k.Key == "password" ? password : throw new InvalidOperationException("unexpected secret key " + k));
        var env = ContainerEnvironment.Resolve(rendered, deployment, container, podName: "summarizer-silo-test-0", podIp: "127.0.0.1", secrets);
        Assert.Equal(password, env["Summarizer__Redis__Password"]);

        // Only what cannot be the same on a shared loopback: the ports, and where the checkpoint is.
        int httpPort = RedisServer.FreePort(), siloPort = RedisServer.FreePort(), gatewayPort = RedisServer.FreePort();
        Assert.Equal("http://+:8080", env["ASPNETCORE_URLS"]);
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{httpPort}";
        Assert.Equal("11111", env["Summarizer__SiloPort"]);
        env["Summarizer__SiloPort"] = siloPort.ToString();
        Assert.Equal("30000", env["Summarizer__GatewayPort"]);
        env["Summarizer__GatewayPort"] = gatewayPort.ToString();
        env["Summarizer__ModelDirectory"] = TinyCheckpoint.Directory;
        // The Redis Service's name stands for the loopback server here; the rest of the connection string is kept.
        Assert.StartsWith("summarizer-redis:6379,", env["Summarizer__RedisConnectionString"]);
        env["Summarizer__RedisConnectionString"] = env["Summarizer__RedisConnectionString"].Replace("summarizer-redis:6379", $"127.0.0.1:{redis.Port}", StringComparison.Ordinal);
        Assert.Equal("127.0.0.1", env["Summarizer__AdvertisedAddress"]);
        Assert.Equal("summarizer-silo-test-0", env["Summarizer__SiloName"]);
        // libtorch's kernel threads follow the pod's CPU request (no CPU limit for .NET to see).
        Assert.Equal(container.Resources.Requests["cpu"].ToDecimal().ToString("0"), env["Summarizer__TorchThreads"]);
        // With the monitoring component: /metrics on the port the PodMonitor scrapes (free here), as the container declares.
        int? metricsPort = null;
        if (env.TryGetValue("Summarizer__Telemetry__MetricsPort", out var declared))
        {
            Assert.Equal(int.Parse(declared), container.Ports.Single(p => p.Name == "metrics").ContainerPort);
            metricsPort = RedisServer.FreePort();
            env["Summarizer__Telemetry__MetricsPort"] = metricsPort.Value.ToString();
        }

        await using var silo = Summarizer.TestSupport.SiloProcess.StartIsolated(Repository.SiloDll, env);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(silo, http, "/health/ready");

        // Every probe the manifest declares answers 200 on the running silo.
        foreach (var probe in new[] { container.StartupProbe, container.ReadinessProbe, container.LivenessProbe })
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(probe.HttpGet.Path)).StatusCode);

        // It joined through Redis: the membership table for its cluster id lists this silo, active, at the pod IP.
        var clusterId = env["ORLEANS_CLUSTER_ID"];
        var membership = await RedisCli(redis, "--scan", "--pattern", $"*{clusterId}*");
        Assert.False(string.IsNullOrWhiteSpace(membership), "no Redis membership key for cluster " + clusterId + "\n" + silo.Log);
        var key = membership.Split('\n', StringSplitOptions.RemoveEmptyEntries).First();
        var dump = await RedisCli(redis, "--no-raw", "hgetall", key);
        Assert.Contains($"127.0.0.1:{siloPort}", dump);
        Assert.Contains("summarizer-silo-test-0", dump);
        Assert.DoesNotContain(password, silo.Log);

        // Scraped without a key on the metrics port, as Prometheus does; not served on the HTTP port.
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        if (metricsPort is { } port)
        {
            using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            var metrics = await scraper.GetStringAsync("/metrics");
            Assert.Contains("summarizer_jobs_active{", metrics);
            Assert.Contains("summarizer_kv_memory_limit_bytes{", metrics);
        }
        // Structured logs: one JSON object per line (the manifests' console formatter).
        var lines = silo.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.TrimStart().StartsWith('{')).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => System.Text.Json.JsonDocument.Parse(l).Dispose());
    }

    private static async Task WaitForAsync(SiloProcess silo, HttpClient http, string path)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (silo.HasExited) throw new InvalidOperationException("The silo exited.\n" + silo.Log);
            try
            {
                using var response = await http.GetAsync(path);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{path} did not answer 200 within {ReadyTimeout}.\n{silo.Log}");
    }

    private static async Task<string> RedisCli(RedisServer redis, params string[] args)
    {
        var info = new System.Diagnostics.ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-p", redis.Port.ToString() }.Concat(args)) info.ArgumentList.Add(a);
        if (redis.Security?.Password is { } password) info.Environment["REDISCLI_AUTH"] = password;
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
