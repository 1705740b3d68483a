using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Summarizer.Client;
using Summarizer.Contracts;
using Summarizer.Grains.Hosting;
using Summarizer.Grains.Inference;
using Summarizer.Grains.Summaries;
using Summarizer.Silo.OpenApi;

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
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
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

    private static async Task<IResult> SubmitAsync(HttpContext http, SummarizerClient client, ModelHost models, IOptions<SummarizerOptions> settings)
    {
        var request = http.Request;
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (mediaType is not ("application/json" or "text/plain"))
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", $"Send the document as application/json {{\"text\": ..., \"options\": ...}} or text/plain; got '{request.ContentType ?? "none"}'.");

        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, http.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = http.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            // Invariant digits: clients parse the limit out of the detail, whatever the server's culture.
            return Problem(StatusCodes.Status413PayloadTooLarge, "Document too large",
                $"The request body exceeds the limit of {limit?.ToString(CultureInfo.InvariantCulture) ?? "?"} bytes (Summarizer:MaxRequestBytes).");
        }

        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body); }
        catch (DecoderFallbackException) { return Problem(StatusCodes.Status400BadRequest, "Invalid encoding", "The body is not valid UTF-8."); }

        var options = new SummaryRequestOptions();
        if (mediaType == "application/json")
        {
            SubmitBody? parsed;
            try { parsed = JsonSerializer.Deserialize<SubmitBody>(text, Json); }
            catch (JsonException e) { return Problem(StatusCodes.Status400BadRequest, "Malformed JSON", e.Message); }
            text = parsed?.Text ?? "";
            options = parsed?.Options ?? options;
        }
        if (string.IsNullOrWhiteSpace(text)) return Problem(StatusCodes.Status400BadRequest, "Empty document", "The document is empty or whitespace only.");
        if (text.Contains('\0')) return Problem(StatusCodes.Status400BadRequest, "Binary content", "The document contains NUL bytes; send text.");

        // Validated here as well as in the grain: an exception crossing the Orleans boundary need not keep its
        // ParamName, and a bad request should not cost a grain activation.
        try
        {
            var mapped = RequestOptionsMapper.ToModel(options);
            // Limits that depend on the model (e.g. how many tokens its decoder can position) once it is loaded here.
            if (models.IsLoaded) (await models.GetAsync()).ResolveSettings(mapped);
        }
        catch (ArgumentException e) { return InvalidOptions(e); }

        if (await DocumentTokensOverLimitAsync(text, models, settings.Value.MaxDocumentTokens) is { } tokens)
        {
            int limit = settings.Value.MaxDocumentTokens;
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Document too long",
                detail: string.Create(CultureInfo.InvariantCulture, $"The document is {tokens} tokens long; the limit is {limit} tokens (Summarizer:MaxDocumentTokens)."),
                extensions: new Dictionary<string, object?> { ["limit"] = limit, ["tokens"] = tokens, ["setting"] = "Summarizer:MaxDocumentTokens" });
        }

        string id;
        var tenant = Security.TenantResolver.TenantOf(http);
        try { id = await client.SubmitAsync(text, options, tenant, http.RequestAborted); }
        catch (ArgumentException e) { return InvalidOptions(e); }
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
            // The first line of the error and of its root cause (e.g. Redis refusing the credentials). Neither carries
            // the Redis password: StackExchange.Redis names endpoints and commands, never the configuration's secrets.
            http.Response.Headers.RetryAfter = "5";
            var reason = e.Message.Split('\n')[0];
            var root = e.GetBaseException();
            if (!ReferenceEquals(root, e)) reason += " (" + root.Message.Split('\n')[0] + ")";
            return Problem(StatusCodes.Status503ServiceUnavailable, "Service unavailable", "The job could not be recorded: " + reason);
        }

        var links = new JobLinks($"/v1/summaries/{id}", $"/v1/summaries/{id}/events");
        http.Response.Headers.Location = links.Self;
        return Results.Json(new SubmissionAccepted(id, SummaryStatus.Queued, links), Json, statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// The document's token count if it is over <paramref name="limit"/>, else null. The gateway has the model's
    /// tokenizer, so a document that is too long is refused here rather than accepted and failed in the grain; it counts
    /// exactly what the document grain would (the normalized text, no special tokens). A document of no more UTF-8
    /// bytes than the limit cannot exceed it (each byte-level BPE token covers at least one byte) and is not tokenized.
    /// Without a loaded model nothing is decided here: the job fails with the model's reason.
    /// </summary>
    private static async Task<int?> DocumentTokensOverLimitAsync(string text, ModelHost models, int limit)
    {
        var normalized = DocumentKeys.Normalize(text);
        if (Encoding.UTF8.GetByteCount(normalized) <= limit) return null;
        Summarizer.Model.Pipeline.SummarizationModel model;
        try { model = await models.GetAsync(); }
        catch (Exception e) when (e is not OperationCanceledException) { return null; }
        int tokens = model.TokenizeContent(normalized).Count;
        return tokens > limit ? tokens : null;
    }

    /// <summary>The job if it exists and belongs to the caller's tenant; another tenant's job is as unknown as a missing one.</summary>
    private static async Task<SummaryJob?> OwnJobAsync(string id, HttpContext http, SummarizerClient client)
    {
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
        long after = long.TryParse(http.Request.Headers["Last-Event-ID"].FirstOrDefault(), out var last) ? last : 0;
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

    private static IResult InvalidOptions(ArgumentException e) =>
        Problem(StatusCodes.Status400BadRequest, "Invalid options", e.Message, OptionName(e));

    /// <summary>
    /// The option an <see cref="ArgumentException"/> is about: its ParamName, else the "(Parameter 'x')" suffix its
    /// message carries, which survives serialization across the Orleans boundary when ParamName may not.
    /// </summary>
    private static string? OptionName(ArgumentException e)
    {
        if (!string.IsNullOrEmpty(e.ParamName)) return e.ParamName;
        var match = Regex.Match(e.Message, @"\(Parameter '([^']+)'\)");
        return match.Success ? match.Groups[1].Value : null;
    }

    private static IResult NotFound(string id) =>
        Problem(StatusCodes.Status404NotFound, "Unknown job", $"No summary job '{id}'.");

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

    private static IResult Problem(int status, string title, string detail, string? parameter = null) =>
        Results.Problem(detail: detail, statusCode: status, title: title,
            extensions: parameter is null ? null : new Dictionary<string, object?> { ["option"] = parameter });
}
