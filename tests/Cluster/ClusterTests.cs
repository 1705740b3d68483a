using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Summarizer.Contracts;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.TestSupport;

namespace Summarizer.Cluster.Tests;

/// <summary>Scenarios against a real cluster of separate processes: Redis clustering, grain state and K/V in Redis.</summary>
[Collection("cluster")]
public sealed class ClusterTests(ProcessCluster cluster) : IClassFixture<ProcessCluster>
{
    private const int MaxNewTokens = 48;

    private static object Request(string text) => new
    {
        text,
        options = new { maxNewTokens = MaxNewTokens, minNewTokens = MaxNewTokens, noRepeatNgramSize = 0, decodeMode = "distributed" },
    };

    /// <summary>What one process generates for the document with the cluster's sharding (256-token windows).</summary>
    private static IReadOnlyList<int> SingleProcessTokens(string text)
    {
        using var model = SummarizationModel.Load(TinyCheckpoint.Directory);
        var shards = model.EncodeDocument("reference", model.TokenizeContent(DocumentKeys.Normalize(text)), new ShardingOptions(256, 31));
        var result = model.Generate(shards, new SummaryOptions { MaxNewTokens = MaxNewTokens, MinNewTokens = MaxNewTokens, NoRepeatNgramSize = 0 });
        foreach (var s in shards) s.Dispose();
        return result.GeneratedIds;
    }

    private static IEnumerable<int> Ids(JsonElement data) => data.GetProperty("tokenIds").EnumerateArray().Select(e => e.GetInt32());

    private async Task<string> SubmitAsync(int silo, string text)
    {
        using var http = cluster.Http(silo);
        using var response = await http.PostAsJsonAsync("/v1/summaries", Request(text));
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> JobAsync(int silo, string id)
    {
        using var http = cluster.Http(silo);
        return await http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
    }

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

        // Wait until the job decodes, then read its stream through a silo other than the one running it.
        var clock = Stopwatch.StartNew();
        JsonElement job;
        do
        {
            await Task.Delay(200);
            job = await JobAsync(1, id);
        } while (job.GetProperty("status").GetString() is "queued" or "encoding" && clock.Elapsed < TimeSpan.FromMinutes(3));
        int victim = cluster.SiloOf(job.GetProperty("silo").GetString()!);
        int reader = victim == 1 ? 2 : 1;
        bool killed = false;
        int reconnects = 0, seenBeforeKill = 0;

        var events = await SseClient.ReadAllAsync(() => cluster.Http(reader), id, async e =>
        {
            if (!killed && e.Name == "delta") seenBeforeKill += Ids(e.Data).Count();
            if (!killed && seenBeforeKill >= 8)
            {
                killed = true;
                await cluster.RunAsync("kill", victim.ToString());
            }
        }, onReconnect: n => reconnects = n);

        Assert.True(killed, "the stream ended before the silo could be killed");
        var done = events[^1];
        Assert.True(done.Name == "done", $"{done.Name}: {done.Data}\n{cluster.Logs()}");
        Assert.Equal(expected, Ids(done.Data));
        // The client saw every token exactly once, in order, across the reconnects.
        Assert.Equal(expected, events.Where(e => e.Name == "delta").SelectMany(e => Ids(e.Data)));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal(done.Data.GetProperty("text").GetString(), string.Concat(events.Where(e => e.Name == "delta").Select(e => e.Data.GetProperty("text").GetString())));
        // The encoder ran once per shard in all: the resumed job found the shards in Redis.
        var stats = done.Data.GetProperty("statistics");
        Assert.Equal(stats.GetProperty("shardCount").GetInt32(), stats.GetProperty("encoderRuns").GetInt32());
        // Resumed by prefix: the tokens published before the kill took one decoder pass together, none was decoded again.
        Assert.InRange(stats.GetProperty("decoderSteps").GetInt32(), 1, MaxNewTokens - seenBeforeKill + 1);
        var final = await JobAsync(reader, id);
        Assert.True(final.GetProperty("resumes").GetInt32() >= 1, $"the job should have been resumed on a surviving silo (client reconnected {reconnects} times)");
        await cluster.RunAsync("start", victim.ToString());
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
