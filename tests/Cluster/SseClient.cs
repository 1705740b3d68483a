using System.Net.Http.Headers;
using System.Text.Json;

namespace Summarizer.Cluster.Tests;

/// <summary>One Server-Sent Event of a summary stream.</summary>
public sealed record StreamEvent(long Id, string Name, JsonElement Data);

/// <summary>Reads a job's SSE stream, reconnecting with Last-Event-ID whenever the connection drops before the end.</summary>
public static class SseClient
{
    public static async Task<List<StreamEvent>> ReadAllAsync(Func<HttpClient> http, string jobId, Func<StreamEvent, Task>? onEvent = null,
        TimeSpan? limit = null, Action<int>? onReconnect = null)
    {
        var events = new List<StreamEvent>();
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromMinutes(5));
        int reconnects = 0;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = http();
                using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{jobId}/events");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                if (events.Count > 0) request.Headers.Add("Last-Event-ID", events[^1].Id.ToString());
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                long id = 0;
                string name = "";
                string? line;
                while ((line = await reader.ReadLineAsync()) is not null)
                {
                    if (line.StartsWith("id: ")) id = long.Parse(line[4..]);
                    else if (line.StartsWith("event: ")) name = line[7..];
                    else if (line.StartsWith("data: "))
                    {
                        var e = new StreamEvent(id, name, JsonDocument.Parse(line[6..]).RootElement.Clone());
                        events.Add(e);
                        if (onEvent is not null) await onEvent(e);
                        if (name is "done" or "error") return events;
                    }
                }
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
            {
                // The silo behind the stream (or the job's silo) went away: reconnect and resume.
            }
            onReconnect?.Invoke(++reconnects);
            await Task.Delay(500);
        }
        throw new TimeoutException($"Job {jobId} did not finish; {events.Count} events received.");
    }
}
