using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;
using Xunit.Abstractions;

namespace Summarizer.Cluster.Tests;

/// <summary>
/// Chaos on a real cluster (three silo processes, Redis for clustering, grain state, job events and K/V): concurrent
/// jobs over real documents, streamed over SSE by clients that reconnect to whichever silo lives, while two silos are
/// killed with <c>kill -9</c> at different moments and Redis is restarted. CI runs a few documents; set
/// <c>SUMMARIZER_CHAOS_DOCUMENTS=30</c> for the long version.
/// </summary>
[Collection("cluster")]
public sealed class ChaosTests(ITestOutputHelper output)
{
    private const int NewTokens = 48;

    private static int Documents => int.TryParse(Environment.GetEnvironmentVariable("SUMMARIZER_CHAOS_DOCUMENTS"), out var n) && n > 0 ? n : 6;

    private sealed record Outcome(int Index, string? Id, int SubmitStatus, List<StreamEvent> Events, JsonElement? Job, int Reconnects);

    [Fact]
    public async Task UnderTwoSiloKillsAndARedisRestartEveryAcceptedJobCompletesWithItsStreamedTextAndNoEventIdReusedForOtherContent()
    {
        var cluster = new ProcessCluster();
        cluster.Settings["Summarizer__MaxConcurrentJobsPerTenant"] = "256";
        cluster.Settings["Summarizer__MaxConcurrentJobsPerSilo"] = "256";
        cluster.Settings["Summarizer__Api__RequestsPerMinute"] = "1000000";
        await cluster.InitializeAsync();
        try
        {
            await RunAsync(cluster);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }

    private async Task RunAsync(ProcessCluster cluster)
    {
        var clock = Stopwatch.StartNew();
        var live = new HashSet<int> { 1, 2, 3 };
        HttpClient AnyLive()
        {
            lock (live) return cluster.Http(live.ElementAt(Random.Shared.Next(live.Count)));
        }
        var documents = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"))
            .Where(d => d.Words is >= 800 and <= 4000).Take(Documents).ToArray();
        Assert.Equal(Documents, documents.Length);
        int tokens = 0;

        var jobs = documents.Select((d, i) => Task.Run(async () =>
        {
            // Submitted round robin over the silos, so every silo runs jobs when it is killed; every third decodes distributed.
            var options = new { maxNewTokens = NewTokens, minNewTokens = NewTokens, noRepeatNgramSize = 0, decodeMode = i % 3 == 2 ? "distributed" : "local" };
            using var http = cluster.Http(i % 3 + 1);
            using var response = await http.PostAsJsonAsync("/v1/summaries", new { text = d.Document, options });
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted) return new Outcome(i, null, (int)response.StatusCode, [], null, 0);
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
            int reconnects = 0;
            var events = await SseClient.ReadAllAsync(AnyLive, id, e =>
            {
                if (e.Name == "delta") Interlocked.Add(ref tokens, e.Data.GetProperty("tokenIds").GetArrayLength());
                return Task.CompletedTask;
            }, limit: TimeSpan.FromMinutes(20), onReconnect: n => reconnects = n);
            var job = await GetJobAsync(AnyLive, id);
            return new Outcome(i, id, 202, events, job, reconnects);
        })).ToArray();

        // The faults, each once the jobs have published a share of all their tokens.
        int total = Documents * NewTokens;
        async Task AtAsync(double share, string what)
        {
            while (Volatile.Read(ref tokens) < share * total && !jobs.All(j => j.IsCompleted)) await Task.Delay(50);
            output.WriteLine($"{clock.Elapsed:mm\\:ss} {what} at {Volatile.Read(ref tokens)} of {total} tokens");
        }
        await AtAsync(0.15, "kill -9 silo 2");
        lock (live) live.Remove(2);
        await cluster.RunAsync("kill", "2");
        await AtAsync(0.30, "Redis restart");
        await cluster.RunAsync("redis-stop");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await cluster.RunAsync("redis-start");
        // Silo 2 comes back while the jobs go on; the next kill does not wait for it.
        var restarted = Task.Run(async () =>
        {
            await cluster.RunAsync("start", "2");
            lock (live) live.Add(2);
        });
        await AtAsync(0.50, "kill -9 silo 3");
        lock (live) live.Remove(3);
        await cluster.RunAsync("kill", "3");

        var outcomes = await Task.WhenAll(jobs);
        await restarted;
        output.WriteLine($"{clock.Elapsed:mm\\:ss} all streams ended");

        foreach (var o in outcomes)
        {
            var label = $"job {o.Index} ({o.Id})";
            Assert.True(o.SubmitStatus == 202, $"{label}: submission answered {o.SubmitStatus}");
            var done = o.Events[^1];
            if (done.Name != "done")
            {
                var correlation = System.Text.RegularExpressions.Regex.Match(done.Data.ToString(), "correlation id ([0-9a-f]+)");
                Assert.Fail($"{label} ended with {done.Name}: {done.Data}\n{(correlation.Success ? cluster.LogsAround(correlation.Groups[1].Value) : cluster.Logs())}");
            }
            // Every event once, in order, across every reconnect.
            Assert.Equal(Enumerable.Range(1, o.Events.Count).Select(i => (long)i), o.Events.Select(e => e.Id));
            var deltas = o.Events.Where(e => e.Name == "delta").ToArray();
            var text = string.Concat(deltas.Select(e => e.Data.GetProperty("text").GetString()));
            Assert.Equal(done.Data.GetProperty("text").GetString(), text);
            Assert.Equal(Ids(done.Data), deltas.SelectMany(e => Ids(e.Data)));
            Assert.Equal(NewTokens, Ids(done.Data).Count());
            var job = o.Job!.Value;
            Assert.Equal("completed", job.GetProperty("status").GetString());
            Assert.Equal(text, job.GetProperty("text").GetString());
            // Read again from the start, through another silo: each id carries exactly what was streamed live under it.
            var again = await SseClient.ReadAllAsync(AnyLive, o.Id!, limit: TimeSpan.FromMinutes(5));
            Assert.Equal(o.Events.Select(e => (e.Id, e.Name, e.Data.ToString())), again.Select(e => (e.Id, e.Name, e.Data.ToString())));
        }
        var resumes = outcomes.Sum(o => o.Job!.Value.GetProperty("resumes").GetInt32());
        output.WriteLine($"{outcomes.Length} jobs completed in {clock.Elapsed:mm\\:ss}; {outcomes.Sum(o => o.Events.Count)} events, "
            + $"{outcomes.Sum(o => o.Reconnects)} client reconnects, {resumes} resumes, "
            + $"{outcomes.Sum(o => o.Job!.Value.GetProperty("statistics").GetProperty("encoderRuns").GetInt64())} encoder runs for "
            + $"{outcomes.Sum(o => o.Job!.Value.GetProperty("statistics").GetProperty("shardCount").GetInt64())} shards");
        Assert.True(resumes > 0, "no job lost its silo: the kills hit nothing");
    }

    private static IEnumerable<int> Ids(JsonElement data) => data.GetProperty("tokenIds").EnumerateArray().Select(e => e.GetInt32());

    private static async Task<JsonElement> GetJobAsync(Func<HttpClient> http, string id)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using var client = http();
                return await client.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
            }
            catch (Exception e) when (attempt < 60 && e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(500);
            }
        }
    }
}
