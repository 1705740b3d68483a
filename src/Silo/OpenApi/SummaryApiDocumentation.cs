using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Summarizer.Contracts;

namespace Summarizer.Silo.OpenApi;

/// <summary>
/// The OpenAPI document of the <c>/v1</c> API (<c>/openapi/v1.json</c>): each route describes itself with the helpers
/// here (request and response schemas, problem details, the SSE stream), and one transformer adds what is true of them
/// all (the bearer-key security scheme). A committed copy, <c>docs/openapi/v1.json</c>, is kept equal by a test.
/// </summary>
internal static class SummaryApiDocumentation
{
    private const string Problem = "application/problem+json";

    /// <summary>Registers the document generator for the <c>/v1</c> routes only.</summary>
    public static IServiceCollection AddSummarizerOpenApi(this IServiceCollection services)
    {
        // The schemas say what the API writes (SummaryEndpoints.Json): enums as camelCase strings, numbers as numbers.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        });
        return services.AddOpenApi(o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Summarizer",
                    Version = "v1",
                    Description = "Summaries of very long documents: submit a document, follow its summary as Server-Sent Events, read or cancel the job.",
                };
                // Servers depend on where the document was fetched; the committed copy must not.
                document.Servers = [];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    ["bearer"] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        Description = "A tenant's API key: 'Authorization: Bearer <key>'. Keys are configured as their SHA-256 (Summarizer:Api:Keys).",
                    },
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
                return Task.CompletedTask;
            });
        });
    }

    /// <summary><c>POST /v1/summaries</c>.</summary>
    public static RouteHandlerBuilder DescribesSubmission(this RouteHandlerBuilder endpoint) => endpoint
        .WithName("SubmitSummary")
        .WithSummary("Submit a document to summarize")
        .WithDescription("The document as JSON {\"text\", \"options\"} or as text/plain (default options). Answers 202 with the job and a Location header; follow it at links.events.")
        .Produces<SubmissionAccepted>(StatusCodes.Status202Accepted)
        .ProducesProblem(StatusCodes.Status400BadRequest)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
        .Common()
        .AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            // The handler reads the body itself (it answers 415 with its own detail), so the body is described here
            // rather than with Accepts<T>, whose metadata would make routing refuse other media types first.
            var body = await context.GetOrCreateSchemaAsync(typeof(SummaryEndpoints.SubmitBody), null, cancellationToken);
            // Only the text is needed; options default (a positional record reads as if both were).
            if (body is OpenApiSchema schema) schema.Required = new HashSet<string>(StringComparer.Ordinal) { "text" };
            context.Document!.AddComponent(nameof(SummaryEndpoints.SubmitBody), body);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchemaReference(nameof(SummaryEndpoints.SubmitBody), context.Document) },
                    ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The document itself, UTF-8." } },
                },
            };
            Describe(operation, "202", "Accepted: the job is recorded and runs.", ("Location", "The job's URL, /v1/summaries/{id}."));
            Describe(operation, "400", "Empty, binary or non-UTF-8 document, malformed JSON, an unknown field, or an option out of range ('option' names it).");
            Describe(operation, "415", "Neither application/json nor text/plain.");
            Describe(operation, "413", "Body over Summarizer:MaxRequestBytes, or document over Summarizer:MaxDocumentTokens tokens ('limit', 'tokens').");
            Describe(operation, "429", "The tenant's request rate, or a bound on running jobs ('bound', 'limit', 'running'); retry after Retry-After seconds.", ("Retry-After", "Seconds to wait."));
            Describe(operation, "503", "The job could not be recorded (grain storage unavailable); nothing was accepted.", ("Retry-After", "Seconds to wait."));
        });

    /// <summary><c>GET /v1/summaries/{id}</c>.</summary>
    public static RouteHandlerBuilder DescribesJobRead(this RouteHandlerBuilder endpoint) => endpoint
        .WithName("GetSummary")
        .WithSummary("Read a job")
        .WithDescription("Status, options, tokens and text so far, the final summary, the error, statistics; with options.attribution, "
            + "once completed, each summary sentence with up to 5 source spans (character offsets in the document as sent, and weights).")
        .Produces<SummaryJob>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .Common();

    /// <summary><c>GET /v1/summaries/{id}/events</c>.</summary>
    public static RouteHandlerBuilder DescribesEventStream(this RouteHandlerBuilder endpoint) => endpoint
        .WithName("StreamSummary")
        .WithSummary("Stream a job's events (Server-Sent Events)")
        .WithDescription("A text/event-stream of SummaryEvent objects. Each event has 'id:' (its sequence number), 'event:' one of "
            + "progress (shards encoded so far), delta (newly decided text and token ids), done (the summary, statistics and, with options.attribution, each sentence's source spans; last) or "
            + "error (the reason; last), and 'data:' the event as JSON. Send Last-Event-ID to resume after that event without duplicates.")
        .Produces<SummaryEvent>(StatusCodes.Status200OK, "text/event-stream")
        .ProducesProblem(StatusCodes.Status404NotFound)
        .Common()
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "Last-Event-ID",
                In = ParameterLocation.Header,
                Required = false,
                Description = "The last event id received; the stream resumes after it.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" },
            });
            return Task.CompletedTask;
        });

    /// <summary><c>DELETE /v1/summaries/{id}</c>.</summary>
    public static RouteHandlerBuilder DescribesCancellation(this RouteHandlerBuilder endpoint) => endpoint
        .WithName("CancelSummary")
        .WithSummary("Cancel a job")
        .WithDescription("Stops a running job (a finished one is left as it is) and answers with the job.")
        .Produces<SummaryJob>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .Common();

    /// <summary><c>GET /v1/diagnostics</c>.</summary>
    public static RouteHandlerBuilder DescribesDiagnostics(this RouteHandlerBuilder endpoint) => endpoint
        .WithName("GetDiagnostics")
        .WithSummary("Every silo's K/V memory, evictions, running jobs and queues (admin tenants only)")
        .WithDescription("For keys of tenants listed in Summarizer:Api:AdminTenants; anyone else gets 404, as for an unknown route.")
        .Produces<DiagnosticsReport>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .Common();

    /// <summary>What every <c>/v1</c> route may answer: 401 without a valid key, 429 over the tenant's request rate.</summary>
    private static RouteHandlerBuilder Common(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status401Unauthorized)
        .ProducesProblem(StatusCodes.Status429TooManyRequests)
        .WithTags("summaries")
        .AddOpenApiOperationTransformer((operation, _, _) =>
        {
            Describe(operation, "401", "No valid API key ('Authorization: Bearer <key>').");
            if (operation.Responses?.TryGetValue("429", out var tooMany) == true && tooMany.Description is null or "Too Many Requests")
                Describe(operation, "429", "The tenant's request rate limit (Summarizer:Api:RequestsPerMinute); retry after Retry-After seconds.", ("Retry-After", "Seconds to wait."));
            Describe(operation, "404", "No such job for this tenant (another tenant's job is as unknown as a missing one).", onlyIfUndescribed: true);
            return Task.CompletedTask;
        });

    private static void Describe(OpenApiOperation operation, string status, string description, params (string Name, string Description)[] headers) =>
        Describe(operation, status, description, onlyIfUndescribed: false, headers);

    private static void Describe(OpenApiOperation operation, string status, string description, bool onlyIfUndescribed, params (string Name, string Description)[] headers)
    {
        if (operation.Responses?.TryGetValue(status, out var found) != true || found is not OpenApiResponse response) return;
        if (onlyIfUndescribed && response.Description is not (null or "" or "Not Found")) return;
        response.Description = description;
        if (headers.Length == 0) return;
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, text) in headers)
            response.Headers[name] = new OpenApiHeader { Description = text, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
    }
}
