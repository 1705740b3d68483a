using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Summarizer.Cluster.Tests;

/// <summary>
/// <c>kill -9</c> of the silo decoding a job, mid-summary, while a client reads the job's stream through another silo;
/// and the checks that the job lost nothing and was resumed by prefix. Shared by the scenarios that kill a distributed
/// job's silo and a silo whose batch decodes local jobs.
/// </summary>
internal static class KillMidSummary
{
    /// <summary>Tokens the client has read when the kill is sent.</summary>
    public const int TokensBeforeKill = 8;

    /// <summary>What the client read.</summary>
    /// <param name="Events">Every event, across reconnects.</param>
    /// <param name="Killed">Whether the kill was sent before the stream ended.</param>
    /// <param name="SeenBeforeKill">Tokens read when the kill was sent (the job may have published more by then).</param>
    /// <param name="Reconnects">Times the client reconnected.</param>
    public sealed record Outcome(List<StreamEvent> Events, bool Killed, int SeenBeforeKill, int Reconnects);

    public static IEnumerable<int> Ids(JsonElement data) => data.GetProperty("tokenIds").EnumerateArray().Select(e => e.GetInt32());

    public static async Task<string> SubmitAsync(ProcessCluster cluster, int silo, string text, object options)
    {
        using var http = cluster.Http(silo);
        using var response = await http.PostAsJsonAsync("/v1/summaries", new { text, options });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> JobAsync(ProcessCluster cluster, int silo, string id)
    {
        using var http = cluster.Http(silo);
        return await http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
    }

    /// <summary>Waits (up to 3 minutes) until the job has found its shards, and returns the silo that runs it.</summary>
    public static async Task<int> DecodingSiloAsync(ProcessCluster cluster, string id)
    {
        var clock = Stopwatch.StartNew();
        JsonElement job;
        do
        {
            await Task.Delay(200);
            job = await JobAsync(cluster, 1, id);
        } while (job.GetProperty("status").GetString() is "queued" or "encoding" && clock.Elapsed < TimeSpan.FromMinutes(3));
        return cluster.SiloOf(job.GetProperty("silo").GetString()!);
    }

    /// <summary>
    /// Reads the job's stream through <paramref name="reader"/> to its end, and kills <paramref name="victim"/> with
    /// <c>kill -9</c> once <see cref="TokensBeforeKill"/> tokens were read; <paramref name="beforeKill"/> runs just
    /// before the kill.
    /// </summary>
    public static async Task<Outcome> ReadKillingAsync(ProcessCluster cluster, string id, int victim, int reader, Func<Task>? beforeKill = null)
    {
        bool killed = false;
        int reconnects = 0, seen = 0;
        var events = await SseClient.ReadAllAsync(() => cluster.Http(reader), id, async e =>
        {
            if (killed) return;
            if (e.Name == "delta") seen += Ids(e.Data).Count();
            if (seen < TokensBeforeKill) return;
            killed = true;
            if (beforeKill is not null) await beforeKill();
            await cluster.RunAsync("kill", victim.ToString());
        }, onReconnect: n => reconnects = n);
        return new Outcome(events, killed, seen, reconnects);
    }

    /// <summary>
    /// Asserts that the stream ended done with <paramref name="expected"/>, and that the client saw every token exactly
    /// once, in order, across its reconnects, under contiguous event ids, with the final text. Returns the done event's data.
    /// </summary>
    public static JsonElement AssertStreamedExactly(ProcessCluster cluster, List<StreamEvent> events, IReadOnlyList<int> expected, string label)
    {
        var done = events[^1];
        Assert.True(done.Name == "done", $"{label}: {done.Name}: {done.Data}\n{cluster.Logs()}");
        Assert.Equal(expected, Ids(done.Data));
        var deltas = events.Where(e => e.Name == "delta").ToArray();
        Assert.Equal(expected, deltas.SelectMany(e => Ids(e.Data)));
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal(done.Data.GetProperty("text").GetString(), string.Concat(deltas.Select(e => e.Data.GetProperty("text").GetString())));
        return done.Data;
    }

    /// <summary>
    /// Asserts what <see cref="AssertStreamedExactly"/> does for the killed job, and that it was resumed by prefix: it
    /// was resumed at least once, and the tokens it had published before the kill took one decoder pass together, none
    /// decoded again (a job decoded again from its start takes <paramref name="newTokens"/> passes or more). Returns the
    /// done event's data.
    /// </summary>
    public static async Task<JsonElement> AssertResumedByPrefixAsync(ProcessCluster cluster, string id, int reader, Outcome outcome,
        IReadOnlyList<int> expected, int newTokens)
    {
        Assert.True(outcome.Killed, "the stream ended before the silo could be killed");
        var done = AssertStreamedExactly(cluster, outcome.Events, expected, $"job {id}");
        Assert.InRange(done.GetProperty("statistics").GetProperty("decoderSteps").GetInt32(), 1, newTokens - outcome.SeenBeforeKill + 1);
        var final = await JobAsync(cluster, reader, id);
        Assert.True(final.GetProperty("resumes").GetInt32() >= 1,
            $"the job should have been resumed on a surviving silo (client reconnected {outcome.Reconnects} times)");
        return done;
    }
}
