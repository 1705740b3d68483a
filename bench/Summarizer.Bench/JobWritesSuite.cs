using System.Globalization;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using StackExchange.Redis;
using Summarizer.Model.Tokenization;
using Summarizer.TestSupport;

namespace Summarizer.Bench;

/// <summary>
/// What a job costs its grain storage: one silo process keeping grain state (jobs, documents, their events) in a real
/// redis-server, K/V in memory and clustering on localhost, so every byte Redis receives is job or document state.
/// For real documents of three sizes, each summarized to a fixed number of tokens, it records the bytes Redis received
/// (<c>total_net_input_bytes</c>) and the commands it ran over the job's life, per generated token.
/// </summary>
public static class JobWritesSuite
{
    private const int Tokens = 64;

    // SUMMARIZER_BENCH_SILO_DLL measures another build of the silo (for example the one before a change) with this suite.
    private static string SiloDll => Environment.GetEnvironmentVariable("SUMMARIZER_BENCH_SILO_DLL") is { Length: > 0 } other ? other
        : Path.GetFullPath(typeof(JobWritesSuite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SiloDll").Value!);

    /// <summary>Runs the measurement and records <c>job-writes.*</c> results.</summary>
    public static async Task RunAsync(ResultSet results)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var silo = await SiloProcess.StartAsync(SiloDll, new Dictionary<string, string>
        {
            ["Summarizer__ModelDirectory"] = TinyCheckpoint.Directory,
            ["Summarizer__ShardLength"] = "256",
            ["Summarizer__GrainStorage"] = "redis",
            ["Summarizer__RedisConnectionString"] = redis.ConnectionString,
            ["Summarizer__Api__AllowAnonymous"] = "true",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = TimeSpan.FromMinutes(5) };

        var corpus = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz")).ToList();
        var documents = new[] { (1000, 2000), (4000, 6000), (12000, int.MaxValue) }
            .Select(r => corpus.First(d => d.Words >= r.Item1 && d.Words <= r.Item2)).ToArray();
        // A first job loads the model, so the measured ones cost only themselves.
        await SummarizeAsync(http, "A warm-up document about nothing in particular.");

        foreach (var document in documents)
        {
            var (bytesBefore, commandsBefore) = await CountersAsync(server);
            var callsBefore = await CallsAsync(server);
            var (job, streaming) = await SummarizeAsync(http, document.Document, server);
            var (bytesAfter, commandsAfter) = await CountersAsync(server);
            var calls = (await CallsAsync(server)).Select(c => (c.Key, Calls: c.Value - callsBefore.GetValueOrDefault(c.Key))).Where(c => c.Calls > 0);
            Console.WriteLine("[job-writes]   commands: " + string.Join(", ", calls.OrderByDescending(c => c.Calls).Select(c => $"{c.Key} {c.Calls}")));
            int tokens = job.GetProperty("tokenIds").GetArrayLength();
            long events = job.GetProperty("lastSequence").GetInt64();
            double bytes = bytesAfter - bytesBefore, commands = commandsAfter - commandsBefore;
            var p = new Dictionary<string, object>
            {
                ["document_bytes"] = System.Text.Encoding.UTF8.GetByteCount(document.Document), ["words"] = document.Words,
                ["tokens"] = tokens, ["events"] = events, ["source"] = document.Source,
            };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[job-writes] {document.Source} {document.Words} words ({p["document_bytes"]} B): {tokens} tokens, {events} events, {bytes:N0} B and {commands} commands to Redis = {bytes / tokens:N0} B/token, {bytes / commands:N0} B/command; while streaming {streaming.Bytes:N0} B for {streaming.Tokens} tokens = {streaming.Bytes / (double)streaming.Tokens:N0} B/token"));
            results.Add(new Result("job-writes", "job_writes.streaming_bytes_per_token", streaming.Bytes / (double)streaming.Tokens, "B/token", new(p)));
            results.Add(new Result("job-writes", "job_writes.bytes_per_token", bytes / tokens, "B/token", new(p)));
            results.Add(new Result("job-writes", "job_writes.bytes_per_job", bytes, "B", new(p)));
            results.Add(new Result("job-writes", "job_writes.commands_per_token", commands / tokens, "commands/token", new(p)));
            results.Add(new Result("job-writes", "job_writes.bytes_per_command", bytes / commands, "B/command", new(p)));
        }
    }

    private static async Task<(long Bytes, long Commands)> CountersAsync(IServer server)
    {
        var stats = (await server.InfoAsync("stats")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
        return (long.Parse(stats["total_net_input_bytes"], CultureInfo.InvariantCulture), long.Parse(stats["total_commands_processed"], CultureInfo.InvariantCulture));
    }

    private static async Task<Dictionary<string, long>> CallsAsync(IServer server) =>
        (await server.InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(
            p => p.Key.Replace("cmdstat_", "", StringComparison.Ordinal),
            p => long.Parse(p.Value.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture));

    /// <summary>
    /// Runs a job to completion over SSE; also returns the bytes Redis received from the first delta to the end, and the
    /// tokens published after that first delta (the marginal cost of streaming).
    /// </summary>
    private static async Task<(JsonElement Job, (long Bytes, int Tokens) Streaming)> SummarizeAsync(HttpClient http, string text, IServer? server = null)
    {
        using var response = await http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens = Tokens, minNewTokens = Tokens, noRepeatNgramSize = 0 } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"submission refused: {body}");
        var id = body.GetProperty("id").GetString()!;
        using var stream = new StreamReader(await http.GetStreamAsync($"/v1/summaries/{id}/events"));
        long? atFirstDelta = null;
        int tokensAfter = 0;
        string? name = null;
        while (await stream.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            if (name == "delta")
            {
                if (atFirstDelta is null) atFirstDelta = server is null ? 0 : (await CountersAsync(server)).Bytes;
                else tokensAfter += JsonDocument.Parse(line[6..]).RootElement.GetProperty("tokenIds").GetArrayLength();
            }
            if (name is "done" or "error") break;
        }
        long streamingBytes = server is null || atFirstDelta is null ? 0 : (await CountersAsync(server)).Bytes - atFirstDelta.Value;
        var job = await http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
        if (job.GetProperty("status").GetString() != "completed") throw new InvalidOperationException($"job {id} ended {job}");
        return (job, (streamingBytes, Math.Max(1, tokensAfter)));
    }
}
