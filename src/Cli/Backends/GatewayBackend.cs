using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Summarizer.Cli.Commands;
using Summarizer.Contracts;

namespace Summarizer.Cli.Backends;

/// <summary>
/// A running silo's HTTP API: <c>POST /v1/summaries</c>, then its <c>/events</c> Server-Sent Events stream, resumed
/// with <c>Last-Event-ID</c> if the connection drops before the job ends.
/// </summary>
internal sealed class GatewayBackend : ISummaryBackend
{
    private const int MaxReconnects = 3;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    private readonly Uri _baseAddress;
    // No client timeout: a long document's stream legitimately stays open for minutes; Ctrl+C cancels it.
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private GatewayBackend(Uri baseAddress, string? apiKey)
    {
        _baseAddress = baseAddress;
        if (!string.IsNullOrEmpty(apiKey))
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>
    /// A backend for <paramref name="url"/>, which must be an absolute http(s) URL, authenticating with the API key in
    /// <c>SUMMARIZER_API_KEY</c> when set (an environment variable, so the key never shows in a process list).
    /// </summary>
    public static GatewayBackend Create(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"--gateway must be an absolute http(s) URL such as http://127.0.0.1:8080; got '{url}'.");
        // A trailing slash makes relative paths append to a base path (a gateway behind a path prefix).
        return new GatewayBackend(new Uri(uri.AbsoluteUri.TrimEnd('/') + "/"), Environment.GetEnvironmentVariable("SUMMARIZER_API_KEY"));
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<SummaryEvent> SummarizeAsync(string text, SummaryRequestOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var jobId = await SubmitAsync(text, options, cancellationToken);
        var events = new Uri(_baseAddress, $"v1/summaries/{Uri.EscapeDataString(jobId)}/events");
        long lastSequence = 0;
        for (int attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, events);
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (lastSequence > 0) request.Headers.Add("Last-Event-ID", lastSequence.ToString());
            using var response = await SendAsync(request, cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var message in ServerSentEventReader.ReadAsync(body, cancellationToken))
            {
                var e = JsonSerializer.Deserialize<SummaryEvent>(message.Data, Json)
                    ?? throw new CliException($"The gateway sent an empty '{message.Event}' event.");
                lastSequence = e.Sequence;
                yield return e;
                if (e.IsTerminal) yield break;
            }
            if (attempt == MaxReconnects)
                throw new CliException($"The gateway {_baseAddress} closed the event stream {MaxReconnects + 1} times before the summary was done.");
        }
    }

    private async Task<string> SubmitAsync(string text, SummaryRequestOptions options, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseAddress, "v1/summaries"))
        {
            Content = JsonContent.Create(new { text, options }, options: Json),
        };
        using var response = await SendAsync(request, cancellationToken);
        var accepted = await response.Content.ReadFromJsonAsync<Accepted>(Json, cancellationToken);
        return accepted?.Id ?? throw new CliException($"The gateway {_baseAddress} accepted the document but returned no job id.");
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"Cannot reach the gateway {_baseAddress}: {e.Message}", e);
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            throw new CliException($"The gateway answered {(int)response.StatusCode} {response.ReasonPhrase}: {await ProblemDetailAsync(response, cancellationToken)}");
        }
    }

    // The silo answers errors as RFC 7807 problem details; their "detail" says what was wrong.
    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var json = JsonDocument.Parse(body);
            foreach (var field in new[] { "detail", "title" })
                if (json.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String) return value.GetString()!;
        }
        catch (JsonException) { }
        return body.Length == 0 ? "(no body)" : CliInvocation.OneLine(body);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record Accepted(string? Id);
}
