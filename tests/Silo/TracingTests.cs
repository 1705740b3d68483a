using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// A job's trace, collected by an in-memory exporter from the real app: one trace from the HTTP submission through
/// the summary grain, the document grain and its encoder batches to decoding, linked across grain calls by Orleans'
/// activity propagation; no document text or secret in any attribute; logs of the job correlated with it.
/// </summary>
[Collection(OwnAppCollection.Name)]
public sealed class TracingTests
{
    private const string Key = "key-of-tenant-a";

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private static bool IsOrleans(Activity s, ActivityKind kind) => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) && s.Kind == kind;

    [Fact]
    public async Task A_jobs_trace_runs_from_the_http_submission_through_grain_calls_and_encoder_batches_to_decoding()
    {
        var collector = new TelemetryCollector();
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, collector.AddTo, 256 << 10,
            "--Summarizer:Api:Keys:0:Tenant=tenant-a", $"--Summarizer:Api:Keys:0:Sha256={Hash(Key)}",
            "--Logging:LogLevel:Summarizer=Information");
        using var http = app.ClientWithKey(Key);
        var document = TinyCheckpoint.Document(2000, 3000).Document;
        using var post = await Submissions.PostAsync(http, document, maxNewTokens: 5, minNewTokens: 5);
        var id = await Submissions.AcceptedAsync(post);
        await Submissions.AssertDoneAsync(http, id);
        var statistics = (await Submissions.GetJobAsync(http, id)).GetProperty("statistics");
        int shards = statistics.GetProperty("shardCount").GetInt32();

        var job = await collector.WaitForSpanAsync(s => s.OperationName == "summarizer.job" && (s.GetTagItem("summarizer.job.id") as string) == id, "summarizer.job of " + id);
        var trace = collector.Spans.Where(s => s.TraceId == job.TraceId).ToList();
        var byId = trace.ToDictionary(s => s.SpanId);
        List<Activity> Ancestors(Activity s)
        {
            var chain = new List<Activity>();
            while (s.ParentSpanId != default && byId.TryGetValue(s.ParentSpanId, out var parent)) chain.Add(s = parent);
            return chain;
        }

        // The root is the HTTP submission; the job's run hangs under it through the summary grain's call.
        var root = Assert.Single(trace, s => s.ParentSpanId == default);
        Assert.Equal(("Microsoft.AspNetCore", ActivityKind.Server), (root.Source.Name, root.Kind));
        Assert.Equal("POST", root.GetTagItem("http.request.method"));
        Assert.Equal("/v1/summaries/", root.GetTagItem("http.route"));
        var up = Ancestors(job);
        Assert.Same(root, up[^1]);
        Assert.Contains(up, s => IsOrleans(s, ActivityKind.Server));
        Assert.Contains(up, s => IsOrleans(s, ActivityKind.Client));

        // Encoding happens in the document grain, reached by a grain call from the job: client span, server span, encode.
        var encode = Assert.Single(trace, s => s.OperationName == "summarizer.encode");
        var encodeUp = Ancestors(encode);
        Assert.True(IsOrleans(encodeUp[0], ActivityKind.Server), "the encode span's parent is not the document grain's incoming call");
        Assert.True(IsOrleans(encodeUp[1], ActivityKind.Client), "the document grain's call has no caller span");
        Assert.Contains(job, encodeUp);
        Assert.Equal(shards, encode.GetTagItem("summarizer.shards"));
        var batches = trace.Where(s => s.OperationName == "summarizer.encoder.batch").ToList();
        Assert.NotEmpty(batches);
        Assert.All(batches, b => Assert.Same(encode, byId[b.ParentSpanId]));
        Assert.Equal(shards, batches.Sum(b => (int)b.GetTagItem("summarizer.shards")!));

        Assert.Contains(job, Ancestors(Assert.Single(trace, s => s.OperationName == "summarizer.shards.load")));
        var decode = Assert.Single(trace, s => s.OperationName == "summarizer.decode");
        Assert.Same(job, byId[decode.ParentSpanId]);
        Assert.Equal(5, decode.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Contains(decode.Events, e => e.Name == "first_token");
        Assert.Contains(job.Events, e => e.Name == "done");
        Assert.Equal(ActivityStatusCode.Ok, job.Status);
        Assert.Equal(shards, job.GetTagItem("summarizer.shards"));
        // The progress polls (several a second while encoding) are left out, on both sides of the call.
        Assert.DoesNotContain(trace, s => s.DisplayName.Contains("GetProgress", StringComparison.Ordinal));
        // One trace per job: no span of this job in any other trace.
        Assert.DoesNotContain(collector.Spans, s => s.TraceId != job.TraceId && (s.GetTagItem("summarizer.job.id") as string) == id);

        // No document text, key or key hash in any attribute of any span.
        var excerpts = Enumerable.Range(0, 20).Select(i => document.Substring(i * (document.Length / 21), 24)).ToArray();
        foreach (var span in collector.Spans)
            foreach (var (name, value) in span.TagObjects)
            {
                var text = value?.ToString() ?? "";
                Assert.False(excerpts.Any(text.Contains) || text.Contains(Key) || text.Contains(Hash(Key)), $"span {span.DisplayName} attribute {name} holds input or a secret");
            }

        // Logs written while the job ran carry its id and tenant in scope, and its trace.
        var completed = Assert.Single(collector.Logs, l => l.Message?.StartsWith($"Job {id} completed", StringComparison.Ordinal) == true);
        Assert.Equal(id, completed.Scopes["JobId"]);
        Assert.Equal("tenant-a", completed.Scopes["Tenant"]);
        Assert.Equal(job.TraceId, completed.TraceId);
    }
}
