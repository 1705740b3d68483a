using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Summarizer.Client;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Silo.OpenApi;
using Summarizer.Silo.Submissions;

namespace Summarizer.Silo;

/// <summary>
/// The HTTP API: submit (<c>POST /v1/summaries</c>), read (<c>GET /v1/summaries/{id}</c>), stream as Server-Sent
/// Events (<c>GET /v1/summaries/{id}/events</c>, resumable with <c>Last-Event-ID</c>), cancel
/// (<c>DELETE /v1/summaries/{id}</c>), and health. Errors are RFC 7807 problem details.
/// </summary>
public static class SummaryEndpoints
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        // A field given twice is ambiguous, and a number sent as a string ("NaN", "4") is a client bug: both refused.
        AllowDuplicateProperties = false,
        NumberHandling = JsonNumberHandling.Strict,
        Converters = { new Json.NamedEnumConverter() },
    };

    /// <summary>Maps the endpoints.</summary>
    public static WebApplication MapSummarizerEndpoints(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        var tenants = app.Services.GetRequiredService<Security.TenantResolver>();
        app.Use((http, next) => tenants.InvokeAsync(http, next));
        app.UseRateLimiter();
        var v1 = app.MapGroup("/v1/summaries").RequireRateLimiting("per-tenant");
        v1.MapPost("", SubmitAsync).DescribesSubmission();
        v1.MapGet("{id}", GetAsync).DescribesJobRead();
        v1.MapGet("{id}/events", EventsAsync).DescribesEventStream();
        v1.MapDelete("{id}", CancelAsync).DescribesCancellation();
        app.MapGet("/v1/diagnostics", DiagnosticsAsync).RequireRateLimiting("per-tenant").DescribesDiagnostics();
        // Liveness checks only this process (no dependencies), so a Redis outage never restarts healthy silos.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") });
        return app;
    }

    /// <summary>The JSON body of a submission.</summary>
    public sealed record SubmitBody(string? Text, SummaryRequestOptions? Options);

    private static async Task<IResult> SubmitAsync(HttpContext http, SummarizerClient client, ModelHost models,
        IOptions<SummarizerOptions> settings, ILoggerFactory loggers)
    {
        var (submission, refused) = await SubmissionReader.ReadAsync(http);
        if (submission is null) return refused ?? Results.Empty;
        if (await SubmissionLimits.CheckAsync(submission, models, settings.Value) is { } limited) return limited;

        string id;
        var tenant = Security.TenantResolver.TenantOf(http);
        try { id = await client.SubmitAsync(submission.Text, submission.Options, tenant, http.RequestAborted); }
        catch (ArgumentException e) { return Problems.InvalidOption(SubmissionLimits.OptionName(e), SubmissionLimits.Detail(e)); }
        catch (JobLimitExceededException e)
        {
            // A concurrency bound (the tenant's across the cluster, or this silo's): nothing was recorded.
            http.Response.Headers.RetryAfter = e.Refusal.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many concurrent jobs", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["bound"] = e.Refusal.Bound, ["limit"] = e.Refusal.Limit, ["running"] = e.Refusal.Running });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The job could not even be recorded (typically grain storage, i.e. Redis, is down): nothing was accepted.
            // The answer says what kind of failure it was; the exception (grain and storage keys, addresses) is logged
            // under the request's trace id, which the problem carries.
            http.Response.Headers.RetryAfter = "5";
            loggers.CreateLogger(typeof(SummaryEndpoints)).LogError(e, "A submission could not be recorded (trace {TraceId}).", http.TraceIdentifier);
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Service unavailable",
                "The job could not be recorded: " + StorageFailures.Describe(e) + " Nothing was accepted; retry after the number of seconds in Retry-After.");
        }

        var links = new JobLinks($"/v1/summaries/{id}", $"/v1/summaries/{id}/events");
        http.Response.Headers.Location = links.Self;
        return Results.Json(new SubmissionAccepted(id, SummaryStatus.Queued, links), Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>The job if it exists and belongs to the caller's tenant; another tenant's job is as unknown as a missing one.</summary>
    private static async Task<SummaryJob?> OwnJobAsync(string id, HttpContext http, SummarizerClient client)
    {
        // Anything that is not a job id is unknown without waking a grain for it.
        if (!JobIds.IsValid(id)) return null;
        var job = await client.GetAsync(id);
        return job is not null && job.Tenant == Security.TenantResolver.TenantOf(http) ? job : null;
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, SummarizerClient client)
    {
        var job = await OwnJobAsync(id, http, client);
        return job is null ? NotFound(id) : Results.Json(job, Json);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, SummarizerClient client)
    {
        if (await OwnJobAsync(id, http, client) is null) return NotFound(id);
        return Results.Json(await client.CancelAsync(id), Json);
    }

    private static async Task EventsAsync(string id, HttpContext http, SummarizerClient client)
    {
        if (await OwnJobAsync(id, http, client) is null)
        {
            await NotFound(id).ExecuteAsync(http);
            return;
        }
        if (!TryReadLastEventId(http.Request, out long after))
        {
            await Problems.Of(StatusCodes.Status400BadRequest, "Invalid Last-Event-ID",
                "Last-Event-ID must be the id of an event of this stream: a whole number from 0 (one header, digits only).", "Last-Event-ID").ExecuteAsync(http);
            return;
        }
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await http.Response.Body.FlushAsync(http.RequestAborted);
        try
        {
            await foreach (var e in client.StreamAsync(id, after, http.RequestAborted))
            {
                var name = e.Kind switch
                {
                    SummaryEventKind.Progress => "progress",
                    SummaryEventKind.Delta => "delta",
                    SummaryEventKind.Done => "done",
                    _ => "error",
                };
                await http.Response.WriteAsync($"id: {e.Sequence}\nevent: {name}\ndata: {JsonSerializer.Serialize(e, Json)}\n\n", http.RequestAborted);
                await http.Response.Body.FlushAsync(http.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The subscriber left; the job goes on and can be resumed with Last-Event-ID.
        }
    }

    /// <summary>
    /// The sequence to resume after: 0 without the header, else the header's value, which must be one non-negative
    /// whole number in plain digits (what this server sends as <c>id:</c>).
    /// </summary>
    private static bool TryReadLastEventId(HttpRequest request, out long after)
    {
        after = 0;
        var values = request.Headers["Last-Event-ID"];
        if (values.Count == 0) return true;
        var value = values.Count == 1 ? values[0] : null;
        return value is { Length: > 0 and <= 19 } && value.All(char.IsAsciiDigit)
            && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out after);
    }

    private static IResult NotFound(string id) =>
        Problems.Of(StatusCodes.Status404NotFound, "Unknown job", JobIds.IsValid(id) ? $"No summary job '{id}'." : "No such summary job.");

    /// <summary>
    /// Every active silo's figures, for admin tenants only. Anyone else gets the same 404 as an unknown route, so the
    /// endpoint's existence says nothing to a tenant.
    /// </summary>
    private static async Task<IResult> DiagnosticsAsync(HttpContext http, IGrainFactory grains, Microsoft.Extensions.Options.IOptions<Security.ApiAccessOptions> access)
    {
        if (!access.Value.IsAdmin(Security.TenantResolver.TenantOf(http), http)) return Results.NotFound();
        var hosts = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        var silos = await Task.WhenAll(hosts.Keys.Select(silo =>
            grains.GetGrain<ISiloDiagnosticsGrain>(Grains.Diagnostics.SiloDiagnosticsGrain.KeyOf(silo)).GetAsync()));
        return Results.Json(new DiagnosticsReport(silos.OrderBy(s => s.Silo, StringComparer.Ordinal).ToArray()), Json);
    }
}
