using System.Text.Json;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Summarizer.Deploy.Tests;

/// <summary>
/// The monitoring component (deploy/k8s/components/monitoring) in both overlays that use it: it renders and parses
/// strictly, every Summarizer pod serves /metrics on the port its PodMonitor scrapes, the silo HPA scales on the
/// custom metric the prometheus-adapter rule serves with CPU kept, and the dashboard and alerts show what operators need.
/// </summary>
public sealed class MonitoringTests
{
    private const string Component = "deploy/k8s/components/monitoring";

    public static TheoryData<string> Overlays => new() { "deploy/k8s/overlays/cpu-monitoring", "deploy/k8s/overlays/gpu-monitoring" };

    private static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string> labels) =>
        selector is { Count: > 0 } && selector.All(s => labels.TryGetValue(s.Key, out var v) && v == s.Value);

    [Theory, MemberData(nameof(Overlays))]
    public void Renders_and_parses_strictly_with_a_pod_monitor_alert_rules_and_the_grafana_dashboard(string overlay)
    {
        var r = Kustomize.Render(overlay);
        Assert.Single(r.All<V1PodMonitor>());
        Assert.Single(r.All<V1PrometheusRule>());
        var dashboard = r.Named<V1ConfigMap>("summarizer-grafana-dashboard");
        Assert.Equal("1", dashboard.Metadata.Labels["grafana_dashboard"]);
        var json = Assert.Single(dashboard.Data).Value;
        Assert.Equal(File.ReadAllText(Repository.PathOf($"{Component}/summarizer-dashboard.json")), json);
        Assert.Single(r.All<V2HorizontalPodAutoscaler>());
    }

    [Theory, MemberData(nameof(Overlays))]
    public void Every_summarizer_pod_serves_metrics_on_the_port_the_pod_monitor_scrapes_and_the_service_does_not_expose_it(string overlay)
    {
        var r = Kustomize.Render(overlay);
        var monitor = r.All<V1PodMonitor>().Single();
        var endpoint = Assert.Single(monitor.Spec.PodMetricsEndpoints);
        Assert.Equal("/metrics", endpoint.Path);
        var pods = r.All<V1Deployment>().Where(d => d.Spec.Template.Metadata.Labels.TryGetValue("app.kubernetes.io/name", out var n) && n == "summarizer").ToList();
        Assert.Equal(overlay.Contains("gpu") ? 2 : 1, pods.Count);
        foreach (var deployment in pods)
        {
            Assert.True(Selects(monitor.Spec.Selector.MatchLabels, deployment.Spec.Template.Metadata.Labels), $"the PodMonitor does not select {deployment.Metadata.Name}");
            var container = deployment.Spec.Template.Spec.Containers.Single();
            var port = container.Ports.Single(p => p.Name == endpoint.Port).ContainerPort;
            Assert.Equal(port.ToString(), container.Env.Single(e => e.Name == "Summarizer__Telemetry__MetricsPort").Value);
            Assert.Contains(container.Env, e => e.Name == "Summarizer__Telemetry__MetricsPort");
        }
        var service = r.Named<V1Service>("summarizer");
        Assert.DoesNotContain(service.Spec.Ports, p => p.TargetPort.Value == endpoint.Port || p.Port == 9464);
    }

    [Theory, MemberData(nameof(Overlays))]
    public void The_silo_hpa_scales_on_jobs_per_pod_served_by_the_adapter_rule_and_keeps_cpu_as_the_fallback(string overlay)
    {
        var hpa = Kustomize.Render(overlay).All<V2HorizontalPodAutoscaler>().Single();
        Assert.Equal("summarizer-silo", hpa.Spec.ScaleTargetRef.Name);
        var pods = Assert.Single(hpa.Spec.Metrics, m => m.Type == "Pods").Pods;
        var cpu = Assert.Single(hpa.Spec.Metrics, m => m.Type == "Resource").Resource;
        Assert.Equal("cpu", cpu.Name);
        Assert.Equal(70, cpu.Target.AverageUtilization);
        Assert.Equal("AverageValue", pods.Target.Type);
        Assert.True(pods.Target.AverageValue.ToDecimal() > 0);

        // The adapter serves that metric per pod, from the series the silos export.
        var values = new YamlStream();
        values.Load(new StringReader(File.ReadAllText(Repository.PathOf($"{Component}/prometheus-adapter-values.yaml"))));
        var rules = (YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)values.Documents[0].RootNode)["rules"])["custom"];
        var rule = (YamlMappingNode)Assert.Single(rules.Children, n => ((YamlScalarNode)((YamlMappingNode)((YamlMappingNode)n)["name"])["as"]).Value == pods.Metric.Name);
        var series = ((YamlScalarNode)rule["seriesQuery"]).Value!;
        Assert.StartsWith(pods.Metric.Name + "{", series);
        var overrides = (YamlMappingNode)((YamlMappingNode)rule["resources"])["overrides"];
        Assert.Equal("pod", ((YamlScalarNode)((YamlMappingNode)overrides["pod"])["resource"]).Value);
        Assert.Contains("sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)", ((YamlScalarNode)rule["metricsQuery"]).Value);
    }

    [Fact]
    public void The_grafana_dashboard_shows_throughput_time_to_first_token_queue_kv_memory_evictions_and_silo_count()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(Repository.PathOf($"{Component}/summarizer-dashboard.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        string Exprs(string title) => string.Join('\n', Assert.Single(panels, p => p.GetProperty("title").GetString() == title)
            .GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()));
        Assert.Contains("rate(summarizer_jobs_completed_total", Exprs("Throughput"));
        Assert.Contains("rate(summarizer_tokens_generated_total", Exprs("Throughput"));
        Assert.Contains("histogram_quantile(0.95, sum by (le) (rate(summarizer_job_time_to_first_token_seconds_bucket", Exprs("Time to first token"));
        Assert.Contains("summarizer_jobs_active", Exprs("Queue"));
        Assert.Contains("summarizer_kv_memory_usage_bytes", Exprs("K/V memory"));
        Assert.Contains("summarizer_kv_memory_limit_bytes", Exprs("K/V memory"));
        Assert.Contains("rate(summarizer_kv_evictions_total", Exprs("K/V evictions / s"));
        Assert.Contains("count(summarizer_kv_memory_limit_bytes", Exprs("Silos"));
        foreach (var panel in panels)
            Assert.All(panel.GetProperty("targets").EnumerateArray(), t => Assert.Equal("${datasource}", t.GetProperty("datasource").GetProperty("uid").GetString()));
    }

    [Fact]
    public void Alert_rules_cover_time_to_first_token_failed_jobs_evictions_and_silo_count()
    {
        var rule = Kustomize.Render("deploy/k8s/overlays/cpu-monitoring").All<V1PrometheusRule>().Single();
        var alerts = rule.Spec.Groups.SelectMany(g => g.Rules).ToDictionary(a => a.Alert);
        Assert.Contains("histogram_quantile(0.95", alerts["SummarizerTimeToFirstTokenHigh"].Expr);
        Assert.Contains("summarizer_job_time_to_first_token_seconds_bucket", alerts["SummarizerTimeToFirstTokenHigh"].Expr);
        Assert.Contains("summarizer_jobs_failed_total", alerts["SummarizerJobsFailing"].Expr);
        Assert.Contains("rate(summarizer_kv_evictions_total", alerts["SummarizerKvEvictionsHigh"].Expr);
        Assert.Contains("count(summarizer_kv_memory_limit_bytes)", alerts["SummarizerSilosMissing"].Expr);
        foreach (var alert in alerts.Values)
        {
            Assert.Matches(@"^\d+m$", alert.For);
            Assert.Contains(alert.Labels["severity"], new[] { "warning", "critical" });
            Assert.False(string.IsNullOrWhiteSpace(alert.Annotations["summary"]));
            Assert.Equal(alert.Expr.Count(c => c == '('), alert.Expr.Count(c => c == ')'));
        }
    }
}
