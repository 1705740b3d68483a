namespace Summarizer.Grains.Telemetry;

/// <summary>
/// Metrics, traces and the operator endpoints, bound from <c>Summarizer:Telemetry</c>. OTLP export is configured by the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (and the other <c>OTEL_*</c> variables), not here.
/// </summary>
public sealed class TelemetryOptions
{
    /// <summary>
    /// Serve the Prometheus scrape endpoint (<c>/metrics</c>) on this port only, without authorization, and nothing else
    /// on it; keep the port out of the Service and reach it from Prometheus (a PodMonitor). Unset: <c>/metrics</c> is on
    /// the HTTP port for admin tenants only (everyone else gets <c>404</c>).
    /// </summary>
    public int? MetricsPort { get; set; }

    /// <summary>
    /// Label job and refusal counters with the tenant (<c>summarizer.tenant</c>). Off by default: tenants are unbounded
    /// in number, and every label value is a series Prometheus keeps.
    /// </summary>
    public bool TenantLabel { get; set; }

    /// <summary>The Orleans dashboard at <c>/dashboard</c>, for admin tenants only. On by default.</summary>
    public bool Dashboard { get; set; } = true;
}
