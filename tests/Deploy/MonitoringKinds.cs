using k8s;
using k8s.Models;

namespace Summarizer.Deploy.Tests;

/// <summary>
/// The Prometheus Operator objects the monitoring component renders (<c>monitoring.coreos.com/v1</c>), modelled with the
/// fields it uses, so strict parsing fails on any field these types do not name.
/// </summary>
public sealed class V1PodMonitor : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeApiVersion = "monitoring.coreos.com/v1";

    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public PodMonitorSpec Spec { get; set; } = new();
}

/// <summary>A PodMonitor's spec.</summary>
public sealed class PodMonitorSpec
{
    public V1LabelSelector Selector { get; set; } = new();

    public List<PodMetricsEndpoint> PodMetricsEndpoints { get; set; } = [];
}

/// <summary>Where and how often a PodMonitor scrapes.</summary>
public sealed class PodMetricsEndpoint
{
    public string Port { get; set; } = "";

    public string Path { get; set; } = "";

    public string Interval { get; set; } = "";

    public string ScrapeTimeout { get; set; } = "";
}

/// <summary>A PrometheusRule: groups of alerting rules.</summary>
public sealed class V1PrometheusRule : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public PrometheusRuleSpec Spec { get; set; } = new();
}

/// <summary>A PrometheusRule's spec.</summary>
public sealed class PrometheusRuleSpec
{
    public List<PrometheusRuleGroup> Groups { get; set; } = [];
}

/// <summary>One group of rules.</summary>
public sealed class PrometheusRuleGroup
{
    public string Name { get; set; } = "";

    public List<PrometheusAlertRule> Rules { get; set; } = [];
}

/// <summary>One alerting rule.</summary>
public sealed class PrometheusAlertRule
{
    public string Alert { get; set; } = "";

    public string Expr { get; set; } = "";

    public string For { get; set; } = "";

    public Dictionary<string, string> Labels { get; set; } = [];

    public Dictionary<string, string> Annotations { get; set; } = [];
}
