using System.Net.Http.Json;
using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Cluster.Tests;

/// <summary>Scenarios against a real cluster of separate processes: Redis clustering, grain state and K/V in Redis.</summary>
[Collection("cluster")]
public sealed class ClusterTests(ProcessCluster cluster) : IClassFixture<ProcessCluster>
{
    private const int MaxNewTokens = 48;

    private static IReadOnlyList<int> SingleProcessTokens(string text) => SingleProcess.Tokens(text, MaxNewTokens);

    private static IEnumerable<int> Ids(JsonElement data) => KillMidSummary.Ids(data);

    private Task<string> SubmitAsync(int silo, string text) =>
        KillMidSummary.SubmitAsync(cluster, silo, text, SingleProcess.Options(MaxNewTokens, "distributed"));

    private Task<JsonElement> JobAsync(int silo, string id) => KillMidSummary.JobAsync(cluster, silo, id);

    [Fact]
    public async Task LongDocumentDistributedOverThreeSilosGivesTheSingleProcessTokens()
    {
        var document = TinyCheckpoint.Document(8000, int.MaxValue, "qmsum");
        var expected = SingleProcessTokens(document.Document);

        var id = await SubmitAsync(1, document.Document);
        var events = await SseClient.ReadAllAsync(() => cluster.Http(1), id);

        var done = events[^1];
        Assert.True(done.Name == "done", $"{done.Name}: {done.Data}\n{cluster.Logs()}");
        Assert.Equal(expected, Ids(done.Data));
        var stats = done.Data.GetProperty("statistics");
        Assert.Equal("distributed", stats.GetProperty("decodeMode").GetString());
        Assert.Equal(3, stats.GetProperty("shardSilos").GetInt32());
    }

    [Fact]
    public async Task KillingTheDecodingSiloMidSummaryLosesNoWorkAndNoTextAndThePublishedTokensAreNotDecodedAgain()
    {
        // Another meeting than the first test's, so this job's own encoding is counted.
        var document = Summarizer.Model.Tokenization.LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"))
            .Where(d => d.Source == "qmsum" && d.Words >= 8000).Skip(1).First();
        var expected = SingleProcessTokens(document.Document);
        var id = await SubmitAsync(1, document.Document);

        // Once the job decodes, its stream is read through a silo other than the one running it, which is killed.
        int victim = await KillMidSummary.DecodingSiloAsync(cluster, id);
        int reader = victim == 1 ? 2 : 1;
        try
        {
            var outcome = await KillMidSummary.ReadKillingAsync(cluster, id, victim, reader);
            var done = await KillMidSummary.AssertResumedByPrefixAsync(cluster, id, reader, outcome, expected, MaxNewTokens);
            // The encoder ran once per shard in all: the resumed job found the shards in Redis.
            var stats = done.GetProperty("statistics");
            Assert.Equal(stats.GetProperty("shardCount").GetInt32(), stats.GetProperty("encoderRuns").GetInt32());
        }
        finally
        {
            await cluster.RunAsync("start", victim.ToString());
        }
    }

    [Fact]
    public async Task AnAddedSiloTakesShardGrainsAndAGracefullyStoppedSiloHandsItsJobOver()
    {
        await cluster.RunAsync("start", "4");
        try
        {
            var documents = Summarizer.Model.Tokenization.LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"))
                .Where(d => d.Source == "qmsum" && d.Words >= 8000).Skip(2).Take(2).ToArray();
            var expected = SingleProcessTokens(documents[0].Document);
            var id = await SubmitAsync(1, documents[0].Document);

            JsonElement job;
            do
            {
                await Task.Delay(200);
                job = await JobAsync(1, id);
            } while (job.GetProperty("status").GetString() is "queued" or "encoding");
            int leaving = cluster.SiloOf(job.GetProperty("silo").GetString()!);
            int reader = leaving == 1 ? 2 : 1;
            bool stopped = false;
            int shardSilosBeforeStop = 0;
            var events = await SseClient.ReadAllAsync(() => cluster.Http(reader), id, async e =>
            {
                if (!stopped && e.Name == "delta" && e.Id >= 8)
                {
                    stopped = true;
                    shardSilosBeforeStop = (await JobAsync(reader, id)).GetProperty("statistics").GetProperty("shardSilos").GetInt32();
                    await cluster.RunAsync("stop", leaving.ToString());
                }
            });

            var done = events[^1];
            Assert.True(done.Name == "done", $"{done.Name}: {done.Data}\n{cluster.Logs()}");
            Assert.Equal(expected, Ids(done.Data));
            Assert.Equal(expected, events.Where(e => e.Name == "delta").SelectMany(e => Ids(e.Data)));
            Assert.Equal(4, shardSilosBeforeStop);                                              // the added silo held shards
            // The leaving silo either finished the job within its shutdown budget (4) or handed it over (3 remain).
            Assert.InRange(done.Data.GetProperty("statistics").GetProperty("shardSilos").GetInt32(), 3, 4);
            await cluster.RunAsync("start", leaving.ToString());
        }
        finally
        {
            try { await cluster.RunAsync("stop", "4"); } catch (InvalidOperationException) { }
        }
    }
}

/// <summary>Redis going away and coming back, on its own cluster so other scenarios are not disturbed.</summary>
[Collection("cluster")]
public sealed class RedisRestartTests(ProcessCluster cluster) : IClassFixture<ProcessCluster>
{
    private static object Request(string text) => new { text, options = new { maxNewTokens = 12, decodeMode = "distributed" } };

    private async Task<JsonElement> SummarizeAsync(string text)
    {
        using var http = cluster.Http(1);
        using var response = await http.PostAsJsonAsync("/v1/summaries", Request(text));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var events = await SseClient.ReadAllAsync(() => cluster.Http(1), id);
        Assert.True(events[^1].Name == "done", $"{events[^1].Name}: {events[^1].Data}\n{cluster.Logs()}");
        return events[^1].Data;
    }

    [Fact]
    public async Task AfterARedisRestartDocumentsAreSummarizedAgainWithoutReencodingAndWhileDownNewWorkIsRefusedClearly()
    {
        var text = TinyCheckpoint.Document(2000, 3000, "kep").Document;
        var first = await SummarizeAsync(text);
        Assert.Equal(first.GetProperty("statistics").GetProperty("shardCount").GetInt32(), first.GetProperty("statistics").GetProperty("encoderRuns").GetInt32());

        await cluster.RunAsync("redis-stop");
        using (var http = cluster.Http(2))
        {
            using var refused = await http.PostAsJsonAsync("/v1/summaries", Request(TinyCheckpoint.Document(1000, 1500, "pep").Document));
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("could not be recorded", problem.GetProperty("detail").GetString());
        }
        await cluster.RunAsync("redis-start");

        var again = await SummarizeAsync(text);
        Assert.Equal(0, again.GetProperty("statistics").GetProperty("encoderRuns").GetInt32());
        Assert.Equal(first.GetProperty("tokenIds").ToString(), again.GetProperty("tokenIds").ToString());
    }
}
