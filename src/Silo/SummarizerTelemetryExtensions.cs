using Microsoft.AspNetCore.Hosting;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Telemetry;
using Summarizer.Silo.OpenApi;
using Summarizer.Silo.Telemetry;

namespace Summarizer.Silo;

/// <summary>
/// Wires what operators see: OpenTelemetry metrics (the <c>Summarizer</c> meter, Orleans', ASP.NET Core's) scraped by
/// Prometheus at <c>/metrics</c>, traces across HTTP and grain calls, OTLP export of all three signals when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, the Orleans dashboard at <c>/dashboard</c>, and the OpenAPI document.
/// </summary>
public static class SummarizerTelemetryExtensions
{
    /// <summary>Where the Orleans dashboard is served.</summary>
    public const string DashboardPath = "/dashboard";

    /// <summary>Where Prometheus scrapes.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Orleans' meter (its runtime and grain counters).</summary>
    public static readonly string[] OrleansMeters = ["Microsoft.Orleans"];

    /// <summary>Orleans' activity sources: application grain calls and runtime (system target) calls.</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    /// <summary>Adds the services; call after <see cref="SummarizerHostExtensions.AddSummarizerSilo"/>.</summary>
    public static WebApplicationBuilder AddSummarizerTelemetry(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var options = new SummarizerOptions();
        config.GetSection(SummarizerOptions.Section).Bind(options);
        var telemetry = options.Telemetry;

        builder.UseOrleans(silo =>
        {
            // Grain calls carry the caller's span (W3C trace context), so one trace follows a job across silos.
            silo.AddActivityPropagation();
            if (telemetry.Dashboard) silo.AddDashboard();
        });

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(config["OTEL_SERVICE_NAME"] ?? "summarizer", serviceInstanceId: options.SiloName ?? Environment.MachineName))
            .WithMetrics(m => m
                .AddMeter(SummarizerMetrics.MeterName)
                .AddMeter(OrleansMeters)
                .AddAspNetCoreInstrumentation()
                .AddPrometheusExporter())
            .WithTracing(t => t
                .AddSource(SummarizerActivities.SourceName)
                .AddSource(OrleansSources)
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !IsOperatorPath(http.Request.Path))
                .SetSampler(new JobTraceSampler()));
        if (!string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            // All three signals, configured by the standard OTEL_EXPORTER_OTLP_* variables; logs keep their scopes (job
            // id, tenant) as attributes and are correlated with the trace they were written in.
            otel.UseOtlpExporter();
            builder.Services.Configure<OpenTelemetryLoggerOptions>(o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
            });
        }

        if (telemetry.MetricsPort is { } port) ListenAlsoOn(builder, port);
        builder.Services.AddSummarizerOpenApi();
        return builder;
    }

    /// <summary>Maps <c>/metrics</c>, the dashboard and <c>/openapi/v1.json</c>; call after <c>MapSummarizerEndpoints</c>.</summary>
    public static WebApplication MapSummarizerTelemetry(this WebApplication app)
    {
        app.Use(OperatorEndpoints.Gate);
        app.Use(RequestLogScope.Begin);
        app.MapPrometheusScrapingEndpoint(MetricsPath).OperatorOnly(OperatorEndpointKind.Scrape);
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SummarizerOptions>>().Value;
        if (options.Telemetry.Dashboard)
            app.MapOrleansDashboard(DashboardPath).OperatorOnly(OperatorEndpointKind.AdminOnly).ExcludeFromDescription();
        app.MapOpenApi();
        return app;
    }

    private static bool IsOperatorPath(PathString path) =>
        path.StartsWithSegments(MetricsPath) || path.StartsWithSegments(DashboardPath) || path.StartsWithSegments("/health");

    /// <summary>
    /// Adds <paramref name="port"/> to the addresses Kestrel listens on, on the same host as the HTTP API (all
    /// interfaces in a pod, loopback in tests). Only the scrape endpoint answers there (<see cref="OperatorEndpoints"/>).
    /// </summary>
    private static void ListenAlsoOn(WebApplicationBuilder builder, int port)
    {
        var urls = builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey);
        if (string.IsNullOrWhiteSpace(urls))
        {
            var ports = builder.WebHost.GetSetting("http_ports");
            urls = string.IsNullOrWhiteSpace(ports) ? "http://localhost:5000" : string.Join(';', ports.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => $"http://*:{p}"));
        }
        var first = urls.Split(';', StringSplitOptions.RemoveEmptyEntries)[0];
        // "+" and "*" are not URI hosts; they mean every interface.
        var host = new Uri(first.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Host;
        builder.WebHost.UseUrls([.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries), $"http://{(host == "0.0.0.0" ? "+" : host)}:{port}"]);
    }
}
