using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Bad input that reaches the job's grain, over real HTTP: a resume point at or past the end of a finished job, a cancel
/// while the job's encode waits in the queue, and a decode mode the service does not have.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class StreamAndCancelTests(SiloAppFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    public async Task ALastEventIdAtOrBeyondTheEndOfAFinishedJobEndsTheStreamWithNoEvents(int beyond)
    {
        var id = await Submissions.AcceptedAsync(await Submissions.PostAsync(Http, TinyCheckpoint.Document(600, 900, "kep").Document));
        var whole = await EventStream.ReadAsync(Http, id);
        Assert.Equal("done", whole[^1].Event);
        long last = long.Parse(whole[^1].Id!);

        // Without the fix this read never ends (the watch waits for an event that can never come).
        var after = await EventStream.ReadAsync(Http, id, lastEventId: (last + beyond).ToString());

        Assert.Empty(after);
        var job = await Submissions.GetJobAsync(Http, id);
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(last, job.GetProperty("lastSequence").GetInt64());
    }

    [Fact]
    public async Task DeletingAJobWhoseEncodeIsQueuedAnswersWhileTheEncodeStillWaitsAndTheJobEndsCancelled()
    {
        await Submissions.WaitReadyAsync(Http);
        string id;
        using (new InferenceGate(fixture.App))
        {
            // The inference thread is held for the whole test: the job's encode stays queued behind it.
            id = await Submissions.AcceptedAsync(await Submissions.PostAsync(Http, TinyCheckpoint.Document(1000, 1500, "rustrfc").Document + "\n\nQueued."));
            await Submissions.WaitForStatusAsync(Http, id, "encoding");

            using var deleted = await Http.DeleteAsync($"/v1/summaries/{id}");

            var body = await deleted.Content.ReadAsStringAsync();
            Assert.True(deleted.StatusCode == HttpStatusCode.OK, $"{(int)deleted.StatusCode}: {body}");
            Assert.Equal("cancelled", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
            var events = await EventStream.ReadAsync(Http, id);
            Assert.Equal("error", events[^1].Event);
            Assert.Equal("cancelled", events[^1].Json.GetProperty("error").GetString());
            Assert.DoesNotContain(events, e => e.Event is "delta" or "done");
        }
        Assert.Equal("cancelled", (await Submissions.GetJobAsync(Http, id)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("\"fastest\"")]
    [InlineData("2")]
    [InlineData("\"\"")]
    public async Task AnUnknownDecodeModeIsBadRequestNamingTheFieldAndItsValues(string value)
    {
        using var response = await Http.PostAsync("/v1/summaries", new StringContent(
            "{\"text\": \"A document.\", \"options\": {\"decodeMode\": " + value + "}}", System.Text.Encoding.UTF8, "application/json"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("options.decodeMode", problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("\"auto\", \"local\", \"distributed\"", detail);
        Assert.DoesNotContain("Summarizer.", detail);
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData("distributed")]
    [InlineData("Local")]
    [InlineData("AUTO")]
    public async Task DecodeModesAreAcceptedByNameInAnyCaseAndReportedInLowercase(string mode)
    {
        var id = await Submissions.AcceptedAsync(await Http.PostAsJsonAsync("/v1/summaries",
            new { text = TinyCheckpoint.Document(600, 900, "pep").Document, options = new { maxNewTokens = 4, decodeMode = mode } }));

        var done = (await EventStream.ReadAsync(Http, id))[^1];

        Assert.Equal("done", done.Event);
        var reported = done.Json.GetProperty("statistics").GetProperty("decodeMode").GetString();
        Assert.Equal(mode.ToLowerInvariant() == "distributed" ? "distributed" : "local", reported);
        Assert.Equal(mode.ToLowerInvariant(), (await Submissions.GetJobAsync(Http, id)).GetProperty("options").GetProperty("decodeMode").GetString());
    }
}
