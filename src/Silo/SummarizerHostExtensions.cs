using Microsoft.AspNetCore.Http.Features;
using Orleans.Configuration;
using Summarizer.Client;
using Summarizer.Grains.Hosting;

namespace Summarizer.Silo;

/// <summary>Wires the silo, the HTTP API and health checks into one ASP.NET Core host.</summary>
public static class SummarizerHostExtensions
{
    /// <summary>Default largest request body (a document): 16 MiB.</summary>
    public const long DefaultMaxRequestBytes = 16L << 20;

    /// <summary>
    /// Hosts an Orleans silo configured from the <c>Summarizer</c> section (cluster and service ids from
    /// <c>ORLEANS_CLUSTER_ID</c>/<c>ORLEANS_SERVICE_ID</c>), the client library over it, problem details and health checks.
    /// </summary>
    public static WebApplicationBuilder AddSummarizerSilo(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = config["ORLEANS_CLUSTER_ID"] ?? "summarizer";
                o.ServiceId = config["ORLEANS_SERVICE_ID"] ?? "summarizer";
            });
            silo.AddSummarizer(config);
        });
        // The host's shutdown budget: Orleans leaves membership gracefully and running jobs finish or persist within it.
        // Kubernetes' terminationGracePeriodSeconds must exceed it (deploy/k8s sets 90 s against the default 60 s).
        var shutdown = config.GetValue<int?>("Summarizer:ShutdownTimeoutSeconds") ?? new SummarizerOptions().ShutdownTimeoutSeconds;
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(shutdown));
        builder.Services.AddSummarizerClient();
        builder.Services.Configure<Security.ApiAccessOptions>(config.GetSection(Security.ApiAccessOptions.Section));
        builder.Services.AddSingleton<Security.TenantResolver>();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, token) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                context.HttpContext.RequestServices.GetRequiredService<Grains.Telemetry.SummarizerMetrics>().Refused(Grains.Telemetry.RefusalReason.RateLimit, Security.TenantResolver.TenantOf(context.HttpContext)); // telemetry
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: "This tenant's request rate limit is exhausted; retry after the number of seconds in Retry-After.")
                    .ExecuteAsync(context.HttpContext);
            };
            // One fixed window per tenant: a noisy tenant cannot starve the others.
            o.AddPolicy("per-tenant", http =>
            {
                int limit = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Security.ApiAccessOptions>>().Value.RequestsPerMinute;
                return System.Threading.RateLimiting.RateLimitPartition.GetFixedWindowLimiter(Security.TenantResolver.TenantOf(http),
                    _ => new System.Threading.RateLimiting.FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
        });
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("model-and-cluster", tags: ["ready"]);
        long maxBytes = config.GetValue<long?>("Summarizer:MaxRequestBytes") ?? DefaultMaxRequestBytes;
        // Slow-loris uploads: a body that trickles in below this rate (after a short grace) is cut off by Kestrel.
        double minRate = config.GetValue<double?>("Summarizer:MinUploadBytesPerSecond") ?? 240;
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = maxBytes;
            k.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(minRate, TimeSpan.FromSeconds(5));
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.Configure<FormOptions>(o => o.MultipartBodyLengthLimit = maxBytes);
        return builder;
    }
}
