using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Summarizer.Grains.Hosting;
using Microsoft.Net.Http.Headers;

namespace Summarizer.Silo;

/// <summary>
/// Serves the page for people at <c>/</c>: static files embedded in this assembly (so every host, container or test,
/// serves the same page without a content root), under a strict Content-Security-Policy. The page holds no secret
/// and needs no key to load; everything it does goes through the same <c>/v1</c> API with the same authentication.
/// Off with <c>Summarizer:Api:Page=false</c>.
/// </summary>
public static class PageEndpoints
{
    private const string Policy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Adds the page's static files and security headers in front of the rest of the pipeline.</summary>
    public static WebApplication UseSummarizerPage(this WebApplication app)
    {
        if (!app.Configuration.GetValue("Summarizer:Api:Page", true)) return app;
        var files = new EmbeddedFileProvider(typeof(PageEndpoints).Assembly, "Summarizer.Silo.wwwroot");
        // The metrics port (Summarizer:Telemetry:MetricsPort) serves the scrape endpoint and nothing else.
        int? metricsPort = app.Services.GetRequiredService<IOptions<SummarizerOptions>>().Value.Telemetry.MetricsPort;
        app.UseWhen(http => http.Connection.LocalPort != metricsPort, page => page.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files }).UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.ContentSecurityPolicy] = Policy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Revalidated on every load, so a new silo version's page is never mixed with a cached older script.
                headers[HeaderNames.CacheControl] = "no-cache";
            },
        }));
        return app;
    }
}
