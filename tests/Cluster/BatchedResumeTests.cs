using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;
using Xunit.Abstractions;

namespace Summarizer.Cluster.Tests;

/// <summary>
/// <c>kill -9</c> of a silo whose iteration scheduler decodes a local job in one batch with two other jobs, on a real
/// cluster of its own: its jobs decode on the silo that accepted them (<c>Summarizer:PreferDocumentSilo</c> off; with it
/// on, each local job moves to the silo of its own document, and three documents seldom share one), and it has an
/// operator key, to read the silos' batch rows from <c>GET /v1/diagnostics</c>. The jobs are greedy: a greedy job resumed
/// by prefix goes on exactly as the uninterrupted run (up to float rounding, which the near-tie check rules out), so its
/// final tokens must equal the single-process ones; a resumed beam search only promises to go on after what it
/// published, its beams being rebuilt from there (docs/ARCHITECTURE.md, "Resume by prefix").
/// </summary>
[Collection("cluster")]
public sealed class BatchedResumeTests(ITestOutputHelper output)
{
    // The most the tiny checkpoint's decoder can position. Nothing can hold a silo's scheduler in another process, so
    // the jobs are made as long as they can be: a step takes milliseconds, and the silo must be killed with all three
    // still in its batch.
    private const int NewTokens = 256;
    private const int Beams = 1;
    private const string OperatorKey = "cluster-test-operator-key";

    [Fact]
    public async Task KillingTheSiloWhoseBatchDecodesALocalJobWithTwoOthersResumesItByPrefixWithItsSingleProcessTokensAndTheOthersEndWithTheirs()
    {
        var cluster = new ProcessCluster();
        cluster.Settings["Summarizer__PreferDocumentSilo"] = "false";
        cluster.Settings["Summarizer__Api__RequestsPerMinute"] = "1000000";
        cluster.Settings["Summarizer__Api__Keys__0__Tenant"] = "ops";
        cluster.Settings["Summarizer__Api__Keys__0__Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(OperatorKey)));
        cluster.Settings["Summarizer__Api__AdminTenants__0"] = "ops";
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
        // Three meetings whose solo runs have no near ties, so neither the batch's rounding nor the resumed job's prefix
        // pass can change a token, and the tokens are compared exactly.
        var documents = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"))
            .Where(d => d.Source == "qmsum" && d.Words is >= 4000 and < 8000)
            .Select(d => (Text: d.Document, Reference: SingleProcess.Run(d.Document, NewTokens, Beams)))
            .Where(d => d.Reference.SmallestGap > NearTies.Margin)
            .Take(3).ToArray();
        Assert.Equal(3, documents.Length);
        output.WriteLine($"{clock.Elapsed:mm\\:ss} references (smallest gaps {string.Join(", ", documents.Select(d => d.Reference.SmallestGap.ToString("G3")))})");

        // Each document is encoded beforehand (a one-token job), so the three jobs find their shards at once and join
        // the batch of the silo that accepts them within a few iterations of one another.
        await Task.WhenAll(documents.Select(async d =>
        {
            var id = await KillMidSummary.SubmitAsync(cluster, 1, d.Text, SingleProcess.Options(1, "local", Beams));
            var events = await SseClient.ReadAllAsync(() => cluster.Http(1), id);
            Assert.True(events[^1].Name == "done", $"encoding job: {events[^1].Data}\n{cluster.Logs()}");
        }));
        output.WriteLine($"{clock.Elapsed:mm\\:ss} documents encoded");

        // The jobs run on the silo that accepted them, so the silo to kill is known at once, and every stream is read
        // through another from the start: no status poll spends the jobs' decoding time first.
        const int victim = 1, reader = 2;
        var ids = await Task.WhenAll(documents.Select(d => KillMidSummary.SubmitAsync(cluster, victim, d.Text, SingleProcess.Options(NewTokens, "local", Beams))));
        string victimId = ids[0];
        var companionIds = ids[1..];
        var companionsStarted = companionIds.Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var companionStreams = companionIds.Select((id, i) => SseClient.ReadAllAsync(() => cluster.Http(reader), id, e =>
        {
            if (e.Name is "delta" or "done" or "error") companionsStarted[i].TrySetResult();
            return Task.CompletedTask;
        })).ToArray();

        // Just before the kill, once each companion has published a token too (it has joined a batch): the victim's
        // silo's batch, and where the jobs are.
        JsonElement batch = default;
        JsonElement[] companionsAtKill = [];
        var outcome = await KillMidSummary.ReadKillingAsync(cluster, victimId, victim, reader, async () =>
        {
            await Task.WhenAll(companionsStarted.Select(c => c.Task)).WaitAsync(TimeSpan.FromMinutes(2));
            var victimJob = await KillMidSummary.JobAsync(cluster, reader, victimId);
            Assert.Equal(victim, cluster.SiloOf(victimJob.GetProperty("silo").GetString()!));
            batch = await DiagnosticsOfAsync(cluster, reader, victim);
            companionsAtKill = await Task.WhenAll(companionIds.Select(id => KillMidSummary.JobAsync(cluster, reader, id)));
            output.WriteLine($"{clock.Elapsed:mm\\:ss} killing silo {victim}; its batch: {batch}");
        });
        output.WriteLine($"{clock.Elapsed:mm\\:ss} victim's stream ended; {outcome.SeenBeforeKill} tokens read before the kill, {outcome.Reconnects} reconnects");

        // The victim decoded in one batched step with both companions, on the killed silo.
        Assert.True(outcome.Killed, "the stream ended before the silo could be killed");
        Assert.Equal(3, batch.GetProperty("batchJobs").GetInt32());
        Assert.Equal(3 * Beams, batch.GetProperty("batchRows").GetInt32());
        foreach (var job in companionsAtKill)
        {
            Assert.Equal("decoding", job.GetProperty("status").GetString());
            Assert.Equal(victim, cluster.SiloOf(job.GetProperty("silo").GetString()!));
        }

        // The victim: resumed by prefix on a survivor with its single-process tokens, streamed exactly once; and no
        // encoder ran again (the resumed job found its shards in Redis).
        var done = await KillMidSummary.AssertResumedByPrefixAsync(cluster, victimId, reader, outcome, documents[0].Reference.Tokens, NewTokens);
        var statistics = done.GetProperty("statistics");
        Assert.Equal("local", statistics.GetProperty("decodeMode").GetString());
        Assert.Equal(0, statistics.GetProperty("encoderRuns").GetInt32());
        output.WriteLine($"victim: {statistics.GetProperty("decoderSteps")} decoder steps");

        // The companions, killed with it mid-summary, end with theirs too; what they had published before the kill was
        // not decoded again either.
        for (int i = 0; i < companionIds.Length; i++)
        {
            var companionDone = KillMidSummary.AssertStreamedExactly(cluster, await companionStreams[i], documents[i + 1].Reference.Tokens, $"companion {companionIds[i]}");
            int publishedBeforeKill = companionsAtKill[i].GetProperty("tokenIds").GetArrayLength();
            var final = await KillMidSummary.JobAsync(cluster, reader, companionIds[i]);
            output.WriteLine($"companion {i + 1}: {publishedBeforeKill} tokens published before the kill, "
                + $"{companionDone.GetProperty("statistics").GetProperty("decoderSteps")} decoder steps, {final.GetProperty("resumes")} resumes");
            Assert.InRange(companionDone.GetProperty("statistics").GetProperty("decoderSteps").GetInt32(), 1, NewTokens - publishedBeforeKill + 1);
            Assert.True(final.GetProperty("resumes").GetInt32() >= 1, $"companion {companionIds[i]} should have been resumed on a surviving silo");
        }
    }

    /// <summary>The diagnostics row of <paramref name="silo"/>, read through <paramref name="via"/> with the operator key.</summary>
    private static async Task<JsonElement> DiagnosticsOfAsync(ProcessCluster cluster, int via, int silo)
    {
        using var http = cluster.Http(via);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", OperatorKey);
        var report = await http.GetFromJsonAsync<JsonElement>("/v1/diagnostics");
        return report.GetProperty("silos").EnumerateArray().Single(s => cluster.SiloOf(s.GetProperty("silo").GetString()!) == silo);
    }
}
