using System.Net;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// The bounds on concurrent jobs, over real HTTP: per tenant (cluster-wide, held by the tenant's admission grain) and
/// per silo. Jobs are held running by occupying the inference thread (<see cref="InferenceGate"/>), so "still running"
/// never depends on the machine's speed.
/// </summary>
[Collection(OwnAppCollection.Name)]
public sealed class JobLimitTests
{
    private const string KeyA = "key-of-tenant-a", KeyB = "key-of-tenant-b";

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    private static string[] Tenants =>
    [
        "--Summarizer:Api:Keys:0:Tenant=tenant-a", $"--Summarizer:Api:Keys:0:Sha256={Hash(KeyA)}",
        "--Summarizer:Api:Keys:1:Tenant=tenant-b", $"--Summarizer:Api:Keys:1:Sha256={Hash(KeyB)}",
        "--Summarizer:JobLimitRetryAfterSeconds=7",
    ];

    private static async Task<System.Text.Json.JsonElement> AssertJobLimitAsync(HttpResponseMessage response, string bound, int limit)
    {
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal(bound, problem.GetProperty("bound").GetString());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt32());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"Summarizer:{bound}", detail);
        Assert.Contains($"the limit is {limit}", detail);
        Assert.Null(response.Headers.Location);
        return problem;
    }

    [Fact]
    public async Task ATenantAtItsJobBoundGets429WithRetryAfterStoringNothingWhileAnotherTenantIsAcceptedAndItIsAcceptedAgainOnceItsJobFinishes()
    {
        // Grain state in a real Redis, so "a refusal changes nothing stored" is checked on every stored key and value.
        await using var redis = await RedisServer.StartAsync();
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
        [
            .. Tenants, "--Summarizer:MaxConcurrentJobsPerTenant=1", "--Summarizer:MaxConcurrentJobsPerSilo=10",
            "--Summarizer:GrainStorage=redis", $"--Summarizer:RedisConnectionString={redis.ConnectionString}",
        ]);
        using var a = app.ClientWithKey(KeyA);
        using var b = app.ClientWithKey(KeyB);
        await Submissions.WaitReadyAsync(app.Http);
        await using var store = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");

        string first;
        using (var gate = new InferenceGate(app))
        {
            first = await Submissions.AcceptedAsync(await Submissions.PostAsync(a, TinyCheckpoint.Document(600, 900, "pep").Document));
            // Once it is encoding, the held job writes nothing until the inference thread is free again.
            await Submissions.WaitForStatusAsync(a, first, "encoding");
            var before = await RedisSnapshot.SettledAsync(store);

            using var refused = await Submissions.PostAsync(a, TinyCheckpoint.Document(600, 900, "kep").Document);
            await AssertJobLimitAsync(refused, "MaxConcurrentJobsPerTenant", 1);
            Assert.Equal(before, await RedisSnapshot.TakeAsync(store));

            var other = await Submissions.AcceptedAsync(await Submissions.PostAsync(b, TinyCheckpoint.Document(600, 900, "kep").Document));

            gate.Open();
            await Submissions.AssertDoneAsync(b, other);
        }

        // The first job finishes (its slot is given back before "done" can be seen), and tenant A is accepted again.
        await Submissions.AssertDoneAsync(a, first);
        var again = await Submissions.AcceptedAsync(await Submissions.PostAsync(a, TinyCheckpoint.Document(900, 1200, "pep").Document));
        await Submissions.AssertDoneAsync(a, again);
    }

    [Fact]
    public async Task ASiloAtItsJobBoundGets429WithRetryAfterForAnyTenantAndAcceptsAgainOnceAJobIsCancelledOrFinishes()
    {
        await using var app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
            [.. Tenants, "--Summarizer:MaxConcurrentJobsPerTenant=5", "--Summarizer:MaxConcurrentJobsPerSilo=2"]);
        using var a = app.ClientWithKey(KeyA);
        using var b = app.ClientWithKey(KeyB);
        await Submissions.WaitReadyAsync(app.Http);

        string first, second, third;
        using (var gate = new InferenceGate(app))
        {
            first = await Submissions.AcceptedAsync(await Submissions.PostAsync(a, TinyCheckpoint.Document(600, 900, "pep").Document));
            // A long job (250 tokens) that the test cancels.
            second = await Submissions.AcceptedAsync(await Submissions.PostAsync(b, TinyCheckpoint.Document(600, 900, "kep").Document, 250, 250));

            // Two jobs run on the silo: a third is refused whichever tenant sends it, though both are under their own bound.
            foreach (var client in new[] { a, b })
            {
                using var refused = await Submissions.PostAsync(client, TinyCheckpoint.Document(900, 1200, "pep").Document);
                await AssertJobLimitAsync(refused, "MaxConcurrentJobsPerSilo", 2);
            }

            // Cancelling gives the slot back: DELETE answers once the job has ended (here while its encode still waits
            // behind the gate, so it cannot have finished first however fast the machine is), and a new job is accepted.
            await Submissions.WaitForStatusAsync(b, second, "encoding");
            using (var cancel = await b.DeleteAsync($"/v1/summaries/{second}"))
                Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("cancelled", (await Submissions.GetJobAsync(b, second)).GetProperty("status").GetString());
            third = await Submissions.AcceptedAsync(await Submissions.PostAsync(b, TinyCheckpoint.Document(900, 1200, "pep").Document));
            gate.Open();
        }

        // Finishing gives it back too.
        await Submissions.AssertDoneAsync(a, first);
        var fourth = await Submissions.AcceptedAsync(await Submissions.PostAsync(a, TinyCheckpoint.Document(600, 900, "kep").Document));
        await Submissions.AssertDoneAsync(b, third);
        await Submissions.AssertDoneAsync(a, fourth);
    }
}
