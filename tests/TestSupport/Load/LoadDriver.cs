using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Summarizer.TestSupport.Load;

/// <summary>
/// Drives a silo over HTTP as real frontends do: each client submits a document, streams its summary over SSE
/// (resuming with Last-Event-ID if the connection drops), and submits the next, until the submission window ends.
/// Then every accepted job is checked against the service: completed, with exactly the text that was streamed.
/// Meanwhile every silo's K/V memory is sampled from <c>/v1/diagnostics</c>.
/// </summary>
public static class LoadDriver
{
    /// <summary>Runs the load described by <paramref name="settings"/> and reports what it saw.</summary>
    public static async Task<LoadReport> RunAsync(LoadSettings settings, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = Timeout.InfiniteTimeSpan };
        if (settings.ApiKey is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        var jobs = new ConcurrentBag<JobOutcome>();
        var errors = new ConcurrentDictionary<string, int>();
        int throttled = 0, duplicated = 0, nextDocument = -1;
        var clock = Stopwatch.StartNew();
        var submitUntil = settings.Duration;
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = settings.AdminKey is null ? Task.FromResult<MemorySample?>(null) : SampleAsync(settings, stopSampling.Token);

        async Task ClientAsync()
        {
            while (clock.Elapsed < submitUntil && !cancellationToken.IsCancellationRequested)
            {
                int document = Interlocked.Increment(ref nextDocument) % settings.Documents.Count;
                var started = clock.Elapsed;
                using var response = await http.PostAsJsonAsync("/v1/summaries", new { text = settings.Documents[document], options = settings.Options }, cancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref throttled);
                    var wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                    await Task.Delay(wait < TimeSpan.FromSeconds(2) ? wait : TimeSpan.FromSeconds(2), cancellationToken);
                    continue;
                }
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    errors.AddOrUpdate($"submit {(int)response.StatusCode}", 1, (_, n) => n + 1);
                    continue;
                }
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString()!;
                var outcome = await StreamAsync(http, id, document, started, clock, settings.Duration + settings.DrainLimit, cancellationToken);
                Interlocked.Add(ref duplicated, outcome.Duplicated);
                if (outcome.Job.Problem is { } problem) errors.AddOrUpdate(problem, 1, (_, n) => n + 1);
                jobs.Add(outcome.Job);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Clients).Select(_ => Task.Run(ClientAsync, cancellationToken)));
        var wall = clock.Elapsed;
        await stopSampling.CancelAsync();
        var memory = await sampler;

        // What the service says about every accepted job must match what its stream said.
        int lost = 0;
        foreach (var job in jobs)
        {
            var snapshot = await GetRespectingRetryAfterAsync(http, $"/v1/summaries/{job.Id}", cancellationToken);
            bool intact = snapshot.GetProperty("status").GetString() == "completed" && snapshot.GetProperty("text").GetString() == job.StreamedText && job.Completed;
            if (!intact) lost++;
        }
        return new LoadReport
        {
            Clients = settings.Clients,
            DurationSeconds = settings.Duration.TotalSeconds,
            WallSeconds = wall.TotalSeconds,
            Jobs = jobs.OrderBy(j => j.Id, StringComparer.Ordinal).ToList(),
            Throttled = throttled,
            Errors = errors.ToDictionary(),
            Lost = lost,
            Duplicated = duplicated,
            PeakKvBytes = memory?.PeakKvBytes,
            KvBudgetBytes = memory?.BudgetBytes,
            Evictions = memory?.Evictions,
            PeakProcessBytes = memory?.PeakProcessBytes,
        };
    }

    // Verification reads count against the tenant's request rate like any other: a 429 is waited out, not an error.
    private static async Task<JsonElement> GetRespectingRetryAfterAsync(HttpClient http, string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var response = await http.GetAsync(path, cancellationToken);
            if (response.StatusCode != HttpStatusCode.TooManyRequests)
            {
                response.EnsureSuccessStatusCode();
                return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            }
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    private sealed record StreamOutcome(JobOutcome Job, int Duplicated);

    private static async Task<StreamOutcome> StreamAsync(HttpClient http, string id, int document, TimeSpan started, Stopwatch clock, TimeSpan limit, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var tokens = new List<int>();
        long lastId = 0;
        int duplicated = 0;
        double? firstToken = null;
        for (int attempt = 0; clock.Elapsed < limit; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{id}/events");
                if (lastId > 0) request.Headers.Add("Last-Event-ID", lastId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode) return new(Failed($"events {(int)response.StatusCode}"), duplicated);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                long eventId = 0;
                string name = "";
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.StartsWith("id: ", StringComparison.Ordinal)) eventId = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
                    else if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        if (eventId <= lastId)
                        {
                            duplicated++;
                            continue;
                        }
                        lastId = eventId;
                        var data = JsonDocument.Parse(line[6..]).RootElement;
                        if (name == "delta")
                        {
                            firstToken ??= (clock.Elapsed - started).TotalMilliseconds;
                            text.Append(data.GetProperty("text").GetString());
                            tokens.AddRange(data.GetProperty("tokenIds").EnumerateArray().Select(t => t.GetInt32()));
                        }
                        else if (name == "done")
                        {
                            var final = data.GetProperty("text").GetString() ?? "";
                            var finalTokens = data.GetProperty("tokenIds").EnumerateArray().Select(t => t.GetInt32()).ToList();
                            string? problem = final != text.ToString() ? "streamed text differs from the final text"
                                : !finalTokens.SequenceEqual(tokens) ? "streamed tokens differ from the final tokens" : null;
                            return new(new JobOutcome(id, document, problem is null, firstToken ?? (clock.Elapsed - started).TotalMilliseconds,
                                (clock.Elapsed - started).TotalMilliseconds, finalTokens.Count, final, problem), duplicated);
                        }
                        else if (name == "error")
                            return new(Failed("job failed: " + data.GetProperty("error").GetString()), duplicated);
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                // The connection dropped: resume after the last event received.
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * (attempt + 1))), cancellationToken);
        }
        return new(Failed("stream did not end in time"), duplicated);

        JobOutcome Failed(string problem) => new(id, document, false, firstToken ?? double.NaN, (clock.Elapsed - started).TotalMilliseconds, tokens.Count, text.ToString(), problem);
    }

    private sealed record MemorySample(long PeakKvBytes, long BudgetBytes, long Evictions, long PeakProcessBytes);

    private static async Task<MemorySample?> SampleAsync(LoadSettings settings, CancellationToken stop)
    {
        using var admin = new HttpClient { BaseAddress = new Uri(settings.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.AdminKey);
        long peakKv = 0, budget = 0, evictions = 0, peakProcess = 0;
        bool any = false;
        while (true)
        {
            try
            {
                var silos = (await admin.GetFromJsonAsync<JsonElement>("/v1/diagnostics", CancellationToken.None)).GetProperty("silos").EnumerateArray().ToList();
                any = true;
                peakKv = Math.Max(peakKv, silos.Max(s => s.GetProperty("kvBytes").GetInt64()));
                budget = silos.Max(s => s.GetProperty("kvBudgetBytes").GetInt64());
                evictions = silos.Sum(s => s.GetProperty("evictions").GetInt64());
                peakProcess = Math.Max(peakProcess, silos.Max(s => s.GetProperty("processBytes").GetInt64()));
            }
            catch (HttpRequestException) { }
            if (stop.IsCancellationRequested) break;
            try { await Task.Delay(500, stop); }
            catch (OperationCanceledException) { }
        }
        return any ? new MemorySample(peakKv, budget, evictions, peakProcess) : null;
    }
}
