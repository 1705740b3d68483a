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

    private static string SiloDll => Path.GetFullPath(typeof(JobWritesSuite).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SiloDll").Value!);

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
            var job = await SummarizeAsync(http, document.Document);
            var (bytesAfter, commandsAfter) = await CountersAsync(server);
            int tokens = job.GetProperty("tokenIds").GetArrayLength();
            long events = job.GetProperty("lastSequence").GetInt64();
            double bytes = bytesAfter - bytesBefore, commands = commandsAfter - commandsBefore;
            var p = new Dictionary<string, object>
            {
                ["document_bytes"] = System.Text.Encoding.UTF8.GetByteCount(document.Document), ["words"] = document.Words,
                ["tokens"] = tokens, ["events"] = events, ["source"] = document.Source,
            };
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[job-writes] {document.Source} {document.Words} words ({p["document_bytes"]} B): {tokens} tokens, {events} events, {bytes:N0} B and {commands} commands to Redis = {bytes / tokens:N0} B/token, {bytes / commands:N0} B/command"));
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

    private static async Task<JsonElement> SummarizeAsync(HttpClient http, string text)
    {
        using var response = await http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens = Tokens, minNewTokens = Tokens, noRepeatNgramSize = 0 } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"submission refused: {body}");
        var id = body.GetProperty("id").GetString()!;
        for (var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5); DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            var job = await http.GetFromJsonAsync<JsonElement>($"/v1/summaries/{id}");
            switch (job.GetProperty("status").GetString())
            {
                case "completed": return job;
                case "failed" or "cancelled": throw new InvalidOperationException($"job {id} ended {job}");
            }
        }
        throw new TimeoutException($"job {id} did not finish");
    }
}
