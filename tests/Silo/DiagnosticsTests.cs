using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

public sealed class DiagnosticsTests : IAsyncLifetime
{
    private const string OpsKey = "key-of-the-operators", TenantKey = "key-of-a-tenant";
    private const long Budget = 3L << 20;
    private SiloApp _app = null!;

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    public async Task InitializeAsync() => _app = await SiloApp.StartAsync(TinyCheckpoint.Directory, 256 << 10,
        "--Summarizer:Api:Keys:0:Tenant=ops", $"--Summarizer:Api:Keys:0:Sha256={Hash(OpsKey)}",
        "--Summarizer:Api:Keys:1:Tenant=tenant-a", $"--Summarizer:Api:Keys:1:Sha256={Hash(TenantKey)}",
        // Even listing the anonymous tenant as admin must not open diagnostics to anonymous callers.
        "--Summarizer:Api:AdminTenants:0=ops", "--Summarizer:Api:AdminTenants:1=default",
        "--Summarizer:Api:AllowAnonymous=true", $"--Summarizer:MemoryBudgetBytes={Budget}");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task OnlyAdminKeysReadDiagnosticsOthersGetTheNotFoundOfAnUnknownRoute()
    {
        using var tenant = _app.ClientWithKey(TenantKey);
        using var asTenant = await tenant.GetAsync("/v1/diagnostics");
        Assert.Equal(HttpStatusCode.NotFound, asTenant.StatusCode);
        using var anonymous = await _app.Http.GetAsync("/v1/diagnostics");
        Assert.Equal(HttpStatusCode.NotFound, anonymous.StatusCode);
        using var wrong = _app.ClientWithKey("not-a-key");
        using var asNobody = await wrong.GetAsync("/v1/diagnostics");
        Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);

        using var ops = _app.ClientWithKey(OpsKey);
        using var asOps = await ops.GetAsync("/v1/diagnostics");
        Assert.Equal(HttpStatusCode.OK, asOps.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Bearer")]
    [InlineData("Bearer    ")]
    [InlineData("Basic b3BzOmtleS1vZi10aGUtb3BlcmF0b3Jz")]
    [InlineData("key-of-the-operators")]
    [InlineData("Token key-of-the-operators")]
    public async Task AnEmptyOrMalformedAuthorizationHeaderIsAnonymousAndNeverAdmin(string header)
    {
        // Anonymous access is on and the anonymous tenant is even listed as admin: still no diagnostics.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/diagnostics");
        request.Headers.TryAddWithoutValidation("Authorization", header);
        using var diagnostics = await _app.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, diagnostics.StatusCode);

        // It is anonymous, not refused: the anonymous tenant's routes answer (an unknown job is 404, not 401).
        using var job = new HttpRequestMessage(HttpMethod.Get, "/v1/summaries/" + new string('0', 32));
        job.Headers.TryAddWithoutValidation("Authorization", header);
        using var answer = await _app.Http.SendAsync(job);
        Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
    }

    [Fact]
    public async Task TwoAuthorizationHeadersEvenWithTheAdminKeyAreAnonymousAndNeverAdmin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/diagnostics");
        request.Headers.TryAddWithoutValidation("Authorization", [$"Bearer {OpsKey}", $"Bearer {OpsKey}"]);
        using var response = await _app.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DiagnosticsReportEverySilosKvMemoryAgainstItsBudgetAfterAJob()
    {
        using var tenant = _app.ClientWithKey(TenantKey);
        using var post = await tenant.PostAsJsonAsync("/v1/summaries", new { text = TinyCheckpoint.Document(2000, 3000).Document, options = new { maxNewTokens = 4 } });
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var id = (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        for (var deadline = DateTime.UtcNow.AddMinutes(2); ;)
        {
            var job = await tenant.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
            if (job.GetProperty("status").GetString() == "completed") break;
            Assert.True(DateTime.UtcNow < deadline, "the job did not complete");
            await Task.Delay(200);
        }

        using var ops = _app.ClientWithKey(OpsKey);
        var silos = (await ops.GetFromJsonAsync<JsonElement>("/v1/diagnostics")).GetProperty("silos").EnumerateArray().ToList();
        var silo = Assert.Single(silos);
        Assert.Equal(Budget, silo.GetProperty("kvBudgetBytes").GetInt64());
        Assert.InRange(silo.GetProperty("kvBytes").GetInt64(), 1, Budget);
        Assert.True(silo.GetProperty("shards").GetInt32() > 0);
        Assert.Equal(0, silo.GetProperty("runningJobs").GetInt32());
        Assert.True(silo.GetProperty("processBytes").GetInt64() > 0);
        // Where the resident memory is: the GC's committed memory and the C heap libtorch allocates from.
        Assert.True(silo.GetProperty("managedCommittedBytes").GetInt64() > 0);
        Assert.True(silo.GetProperty("nativeInUseBytes").GetInt64() > 0);
        Assert.True(silo.GetProperty("nativeFreeBytes").GetInt64() >= 0);
    }

    [Fact]
    public async Task DiagnosticsShowTheBatchAndItsQueueAndCancellingOneJobMidBatchOverHttpEndsItAloneWhileTheOthersFinish()
    {
        const int Tokens = 200;
        // A silo of its own: rows for three jobs, and room in memory for the document's shards (none is re-encoded,
        // which would need the thread this test holds).
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, 256 << 10,
            "--Summarizer:Api:Keys:0:Tenant=ops", $"--Summarizer:Api:Keys:0:Sha256={Hash(OpsKey)}", "--Summarizer:Api:AdminTenants:0=ops",
            "--Summarizer:MaxBatchRows=3", $"--Summarizer:MemoryBudgetBytes={256L << 20}");
        using var ops = app.ClientWithKey(OpsKey);
        var scheduler = app.Services.GetRequiredService<InferenceScheduler>();
        // Held at the end of the first iteration that steps three greedy jobs (MaxBatchRows is 3 here): a fourth one queues.
        using var hold = app.HoldScheduler(r => r.Jobs == 3);
        var text = TinyCheckpoint.Document(800, 1500, "pep").Document;
        object Request(int tokens) => new { text, options = new { maxNewTokens = tokens, minNewTokens = tokens, noRepeatNgramSize = 0, beams = 1 } };
        // Encoded first, so every job below finds its shards in memory and needs the scheduler only to decode.
        await Submissions.AssertDoneAsync(ops, await Submissions.AcceptedAsync(await ops.PostAsJsonAsync("/v1/summaries", Request(2))));
        var ids = new List<string>();
        // Three jobs wait while the thread is busy, so they join the same iteration.
        using var busy = await ThreadOccupation.OccupyAsync(w => scheduler.RunAsync(w), TimeSpan.FromMinutes(2));
        for (int i = 0; i < 3; i++) ids.Add(await Submissions.AcceptedAsync(await ops.PostAsJsonAsync("/v1/summaries", Request(Tokens))));
        for (var deadline = DateTime.UtcNow.AddMinutes(2); scheduler.Diagnostics.QueuedJobs < 3; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the jobs never queued");
        await busy.ReleaseAsync();
        await hold.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        ids.Add(await Submissions.AcceptedAsync(await ops.PostAsJsonAsync("/v1/summaries", Request(Tokens))));
        // The fourth finds the document encoded and its shards in memory (no work for the held thread) and queues.
        for (var deadline = DateTime.UtcNow.AddMinutes(2); scheduler.Diagnostics.QueuedJobs == 0; await Task.Delay(20))
            Assert.True(DateTime.UtcNow < deadline, "the fourth job never queued");

        var silo = Assert.Single((await ops.GetFromJsonAsync<JsonElement>("/v1/diagnostics")).GetProperty("silos").EnumerateArray());
        Assert.Equal(3, silo.GetProperty("batchJobs").GetInt32());
        Assert.Equal(3, silo.GetProperty("batchRows").GetInt32());
        Assert.Equal(1, silo.GetProperty("queuedJobs").GetInt32());
        Assert.True(silo.GetProperty("iterations").GetInt64() >= 1);
        Assert.True(silo.GetProperty("lastIterationMs").GetDouble() > 0);

        // The grain cancels at once and waits for the job to leave the batch, which needs the scheduler going again.
        var taken = app.Calls.NextAsync<ISummaryGrain>(nameof(ISummaryGrain.CancelAsync));
        var cancel = ops.DeleteAsync($"/v1/summaries/{ids[1]}");
        await taken.WaitAsync(TimeSpan.FromMinutes(2));
        hold.Release();
        using (var cancelled = await cancel) Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);

        var ended = await EventStream.ReadAsync(ops, ids[1]);
        Assert.Equal("cancelled", ended[^1].Json.GetProperty("error").GetString());
        Assert.InRange(ended.Where(e => e.Event == "delta").Sum(e => e.Json.GetProperty("tokenIds").GetArrayLength()), 1, Tokens - 1);
        foreach (var id in ids.Where(id => id != ids[1]))
        {
            var events = await EventStream.ReadAsync(ops, id);
            Assert.Equal("done", events[^1].Event);
            var done = events[^1].Json;
            Assert.Equal(Tokens, done.GetProperty("tokenIds").GetArrayLength());
            Assert.Equal(done.GetProperty("text").GetString(), string.Concat(events.Where(e => e.Event == "delta").Select(e => e.Json.GetProperty("text").GetString())));
        }
        scheduler.Iterated -= hold.OnIterated;
    }
}
