using System.Diagnostics;

namespace Summarizer.Grains.Telemetry;

/// <summary>
/// The <c>Summarizer</c> ActivitySource and the spans of a job's trace below the HTTP request and the Orleans grain
/// calls: <c>summarizer.job</c> (the run, in the summary grain), <c>summarizer.encode</c> and one
/// <c>summarizer.encoder.batch</c> per forward pass (in the document grain), <c>summarizer.shards.load</c> and
/// <c>summarizer.decode</c>. Attributes are ids and counts only: never document text, summary text, keys or hashes.
/// </summary>
public static class SummarizerActivities
{
    /// <summary>The ActivitySource's name, to subscribe to (<c>AddSource</c>).</summary>
    public const string SourceName = "Summarizer";

    /// <summary>Span names begin with this, so a sampler can tell the service's own spans.</summary>
    public const string SpanPrefix = "summarizer.";

    /// <summary>Attribute: the job id.</summary>
    public const string JobId = "summarizer.job.id";

    /// <summary>Attribute: the tenant of the job.</summary>
    public const string Tenant = "summarizer.tenant";

    /// <summary>Attribute: shards of the document (or of one batch).</summary>
    public const string Shards = "summarizer.shards";

    /// <summary>Attribute: source tokens of the document (or of one batch).</summary>
    public const string SourceTokens = "gen_ai.usage.input_tokens";

    /// <summary>Attribute: tokens generated (OpenTelemetry's generative-AI convention).</summary>
    public const string OutputTokens = "gen_ai.usage.output_tokens";

    /// <summary>The source every span here is started from.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The run of job <paramref name="jobId"/> (child of the current span: the grain call that started it).</summary>
    public static Activity? StartJob(string jobId, string tenant)
    {
        var activity = Source.StartActivity(SpanPrefix + "job");
        activity?.SetTag(JobId, jobId).SetTag(Tenant, tenant);
        return activity;
    }

    /// <summary>Encoding a document of <paramref name="tokens"/> tokens into <paramref name="shards"/> shards.</summary>
    public static Activity? StartEncode(int shards, int tokens, bool repair) =>
        Source.StartActivity(SpanPrefix + "encode")?.SetTag(Shards, shards).SetTag(SourceTokens, tokens).SetTag("summarizer.encode.cause", repair ? "repair" : "document");

    /// <summary>One encoder forward pass over <paramref name="shards"/> shards.</summary>
    public static Activity? StartEncoderBatch(int shards, int tokens) =>
        Source.StartActivity(SpanPrefix + "encoder.batch")?.SetTag(Shards, shards).SetTag(SourceTokens, tokens);

    /// <summary>Loading a document's shards into the decoder's silo.</summary>
    public static Activity? StartShardLoad(int shards) => Source.StartActivity(SpanPrefix + "shards.load")?.SetTag(Shards, shards);

    /// <summary>Decoding (the search), local or distributed over shard grains.</summary>
    public static Activity? StartDecode(int shards, int sourceTokens, bool distributed) =>
        Source.StartActivity(SpanPrefix + "decode")?.SetTag(Shards, shards).SetTag(SourceTokens, sourceTokens)
            .SetTag("summarizer.decode.mode", distributed ? "distributed" : "local");

    /// <summary>Ends <paramref name="activity"/> as failed with a classified reason (never the message, which may quote input).</summary>
    public static void Fail(Activity? activity, JobFailureReason reason)
    {
        activity?.SetStatus(ActivityStatusCode.Error, reason.Label()).SetTag("error.type", reason.Label());
    }
}
