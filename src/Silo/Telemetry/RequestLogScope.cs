using Summarizer.Grains.Telemetry;
using Summarizer.Silo.Security;

namespace Summarizer.Silo.Telemetry;

/// <summary>
/// Puts the tenant and, on <c>/v1/summaries/{id}</c> routes, the job id in the logging scope of a <c>/v1</c> request,
/// so every line logged while serving it (ASP.NET Core's, the client library's, ours) can be found by either.
/// </summary>
internal static class RequestLogScope
{
    /// <summary>The middleware (after the tenant is resolved).</summary>
    public static async Task Begin(HttpContext http, RequestDelegate next)
    {
        var tenant = http.Items.ContainsKey(TenantResolver.ItemKey) ? TenantResolver.TenantOf(http) : null;
        if (tenant is null)
        {
            await next(http);
            return;
        }
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Summarizer.Http");
        var scope = http.GetRouteValue("id") is string jobId ? LogScopes.Job(jobId, tenant) : [new("Tenant", tenant)];
        using (logger.BeginScope(scope)) await next(http);
    }
}
