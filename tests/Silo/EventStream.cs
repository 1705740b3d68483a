using System.Net;
using System.Net.Http.Headers;

namespace Summarizer.Silo.Tests;

/// <summary>Reads a job's <c>GET /v1/summaries/{id}/events</c> stream over HTTP.</summary>
public static class EventStream
{
    /// <summary>
    /// Events of job <paramref name="id"/> (after <paramref name="lastEventId"/> when given) until the server ends the
    /// stream, or only the first <paramref name="take"/> of them, after which the connection is dropped.
    /// <paramref name="onEvent"/> runs as each event arrives, while the stream is still open.
    /// </summary>
    public static async Task<List<ServerSentEvent>> ReadAsync(HttpClient http, string id, string? lastEventId = null, int? take = null,
        Func<ServerSentEvent, Task>? onEvent = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/summaries/{id}/events");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new List<ServerSentEvent>();
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await foreach (var e in ServerSentEventReader.ReadAsync(body, timeout.Token))
        {
            events.Add(e);
            if (onEvent is not null) await onEvent(e);
            if (events.Count == take) break;
        }
        return events;
    }
}
