using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Summarizer.Silo.Tests;

/// <summary>Submitting documents and following jobs over HTTP.</summary>
public static class Submissions
{
    /// <summary>Posts <paramref name="text"/> as JSON with <paramref name="maxNewTokens"/>.</summary>
    public static Task<HttpResponseMessage> PostAsync(HttpClient http, string text, int maxNewTokens = 8, int? minNewTokens = null) =>
        http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens, minNewTokens } });

    /// <summary>Asserts a <c>202</c> and returns the job id.</summary>
    public static async Task<string> AcceptedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"expected 202, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>The job's snapshot.</summary>
    public static async Task<JsonElement> GetJobAsync(HttpClient http, string id) =>
        JsonDocument.Parse(await http.GetStringAsync($"/v1/summaries/{id}")).RootElement;

    /// <summary>Reads the job's events to the end and returns the last (done or error).</summary>
    public static async Task<ServerSentEvent> FinishAsync(HttpClient http, string id) => (await EventStream.ReadAsync(http, id))[^1];

    /// <summary>Reads the job's events to the end and asserts it completed (showing the error event if not).</summary>
    public static async Task AssertDoneAsync(HttpClient http, string id)
    {
        var last = await FinishAsync(http, id);
        Assert.True(last.Event == "done", $"job {id} ended with {last.Event}: {last.Data}");
    }

    /// <summary>Polls the job until its status is <paramref name="status"/> (at most a minute of polls).</summary>
    public static async Task WaitForStatusAsync(HttpClient http, string id, string status)
    {
        for (int i = 0; i < 600; i++)
        {
            if ((await GetJobAsync(http, id)).GetProperty("status").GetString() == status) return;
            await Task.Delay(100);
        }
        Assert.Fail($"job {id} never reached status {status}");
    }

    /// <summary>Polls <c>/health/ready</c> until it answers 200 (the model has loaded).</summary>
    public static async Task WaitReadyAsync(HttpClient http)
    {
        for (int i = 0; i < 600; i++)
        {
            using var response = await http.GetAsync("/health/ready");
            if (response.StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(100);
        }
        Assert.Fail("the silo never became ready");
    }
}
