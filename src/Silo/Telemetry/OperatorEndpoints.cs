using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Telemetry;
using Summarizer.Silo.Security;

namespace Summarizer.Silo.Telemetry;

/// <summary>What an operator endpoint is, as endpoint metadata read by <see cref="OperatorEndpoints.Gate"/>.</summary>
internal enum OperatorEndpointKind
{
    /// <summary>Admin tenants only (the Orleans dashboard).</summary>
    AdminOnly,

    /// <summary>The Prometheus scrape endpoint: on the metrics port when there is one, else admin tenants only.</summary>
    Scrape,
}

/// <summary>Marks an endpoint as an operator endpoint of <paramref name="Kind"/>.</summary>
internal sealed record OperatorEndpointMetadata(OperatorEndpointKind Kind);

/// <summary>
/// One rule for every operator endpoint: admin tenants only, and a <c>404</c> (the same as an unknown route) for anyone
/// else, so its existence tells a tenant nothing. With <see cref="TelemetryOptions.MetricsPort"/> the scrape endpoint
/// answers only on that port, which answers nothing else (the API never leaks onto it).
/// </summary>
internal static class OperatorEndpoints
{
    /// <summary>Marks <paramref name="endpoints"/> as operator endpoints of <paramref name="kind"/>.</summary>
    public static TBuilder OperatorOnly<TBuilder>(this TBuilder endpoints, OperatorEndpointKind kind) where TBuilder : IEndpointConventionBuilder =>
        endpoints.WithMetadata(new OperatorEndpointMetadata(kind));

    /// <summary>The middleware enforcing the rule (after routing, before the endpoint runs).</summary>
    public static async Task Gate(HttpContext http, RequestDelegate next)
    {
        var kind = http.GetEndpoint()?.Metadata.GetMetadata<OperatorEndpointMetadata>()?.Kind;
        int? metricsPort = http.RequestServices.GetRequiredService<IOptions<SummarizerOptions>>().Value.Telemetry.MetricsPort;
        bool allowed = metricsPort is { } port && http.Connection.LocalPort == port
            ? kind == OperatorEndpointKind.Scrape
            : kind switch
            {
                null => true,
                OperatorEndpointKind.Scrape when metricsPort is not null => false,
                _ => IsAdmin(http),
            };
        if (allowed) await next(http);
        else http.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private static bool IsAdmin(HttpContext http)
    {
        var tenant = http.RequestServices.GetRequiredService<TenantResolver>().Resolve(http.Request.Headers.Authorization.ToString());
        return tenant is not null && http.RequestServices.GetRequiredService<IOptions<ApiAccessOptions>>().Value.IsAdmin(tenant, http);
    }
}
