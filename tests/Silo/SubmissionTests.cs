using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class SubmissionTests(SiloAppFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    /// <summary>Checks the 202 answer and returns the job id.</summary>
    private static async Task<string> AcceptedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        var id = json.GetProperty("id").GetString()!;
        Assert.Equal("queued", json.GetProperty("status").GetString());
        Assert.Equal($"/v1/summaries/{id}", json.GetProperty("links").GetProperty("self").GetString());
        Assert.Equal($"/v1/summaries/{id}/events", json.GetProperty("links").GetProperty("events").GetString());
        Assert.Equal($"/v1/summaries/{id}", response.Headers.Location?.OriginalString);
        return id;
    }

    /// <summary>Checks a complete stream and the job snapshot after it; returns the summary.</summary>
    private async Task<string> AssertCompletedStreamAsync(string id, List<ServerSentEvent> events)
    {
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => i.ToString()), events.Select(e => e.Id));
        Assert.Equal(events.Select(e => long.Parse(e.Id!)), events.Select(e => e.Sequence));
        // The event name and the data's kind agree, and enums travel as camelCase strings.
        Assert.All(events, e => Assert.Equal(e.Event, e.Json.GetProperty("kind").GetString()));
        Assert.Equal("progress", events[0].Event);
        Assert.Contains(events, e => e.Event == "delta");
        Assert.DoesNotContain(events, e => e.Event == "error");
        var done = Assert.Single(events, e => e.Event == "done");
        Assert.Same(done, events[^1]);
        Assert.Equal(done.Text, string.Concat(events.Where(e => e.Event == "delta").Select(e => e.Text)));
        Assert.NotEmpty(done.Text);

        var job = JsonDocument.Parse(await Http.GetStringAsync($"/v1/summaries/{id}")).RootElement;
        Assert.Equal(id, job.GetProperty("jobId").GetString());
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(done.Text, job.GetProperty("text").GetString());
        return done.Text;
    }

    [Fact]
    public async Task JsonSubmissionIsAcceptedAndStreamsProgressDeltasAndOneDoneMatchingTheJob()
    {
        var text = TinyCheckpoint.Document(800, 1500, "pep").Document;
        var response = await Http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens = 16 } });
        var id = await AcceptedAsync(response);

        var events = await EventStream.ReadAsync(Http, id);

        await AssertCompletedStreamAsync(id, events);
    }

    [Fact]
    public async Task PlainTextSubmissionIsAcceptedAndStreamsLikeJson()
    {
        var text = TinyCheckpoint.Document(800, 1500, "kep").Document;
        var response = await Http.PostAsync("/v1/summaries", new StringContent(text, Encoding.UTF8, "text/plain"));
        var id = await AcceptedAsync(response);

        var events = await EventStream.ReadAsync(Http, id);

        await AssertCompletedStreamAsync(id, events);
    }

    [Fact]
    public async Task ReconnectingWithLastEventIdResumesWithoutDuplicatesOrGaps()
    {
        var text = TinyCheckpoint.Document(800, 1500, "rustrfc").Document;
        var id = await AcceptedAsync(await Http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens = 24 } }));

        // Drop the first connection after two events, possibly while the job is still running.
        var first = await EventStream.ReadAsync(Http, id, take: 2);
        var resumed = await EventStream.ReadAsync(Http, id, lastEventId: first[^1].Id);
        var whole = await EventStream.ReadAsync(Http, id);

        static string Show(ServerSentEvent e) => $"{e.Id}|{e.Event}|{e.Data}";
        Assert.Equal(2, first.Count);
        Assert.Equal(whole.Select(Show), first.Concat(resumed).Select(Show));
        await AssertCompletedStreamAsync(id, whole);

        // Resuming a finished job from the middle gives exactly the later events.
        int middle = whole.Count / 2;
        var tail = await EventStream.ReadAsync(Http, id, lastEventId: whole[middle - 1].Id);
        Assert.Equal(whole.Skip(middle).Select(Show), tail.Select(Show));
    }
}
