using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class CancellationTests(SiloAppFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    [Fact]
    public async Task DeleteCancelsARunningJobAndItEndsCancelled()
    {
        // Held a few decode steps in, so the job is still running when DELETE arrives however fast this machine decodes.
        int steps = 0;
        using var hold = fixture.App.HoldScheduler(r => r.Jobs > 0 && ++steps >= 4);
        var text = TinyCheckpoint.Document(1000, 1500).Document;
        var submitted = await Http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens = 250, minNewTokens = 250, noRepeatNgramSize = 0 } });
        Assert.Equal(HttpStatusCode.Accepted, submitted.StatusCode);
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;

        JsonElement? cancelled = null;
        var events = await EventStream.ReadAsync(Http, id, onEvent: async e =>
        {
            if (e.Event != "delta" || cancelled is not null) return;
            // The grain takes the cancellation at once, then waits for the job to leave the batch, which needs the
            // scheduler going again: released once the grain has taken it.
            var taken = fixture.App.Calls.NextAsync<ISummaryGrain>(nameof(ISummaryGrain.CancelAsync));
            var delete = Http.DeleteAsync($"/v1/summaries/{id}");
            await taken.WaitAsync(TimeSpan.FromMinutes(2));
            hold.Release();
            using var response = await delete;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            cancelled = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        });

        Assert.NotNull(cancelled);
        Assert.Equal("cancelled", cancelled.Value.GetProperty("status").GetString());
        Assert.Equal("error", events[^1].Event);
        Assert.Equal("cancelled", events[^1].Json.GetProperty("error").GetString());
        Assert.DoesNotContain(events, e => e.Event == "done");
        var job = JsonDocument.Parse(await Http.GetStringAsync($"/v1/summaries/{id}")).RootElement;
        Assert.Equal("cancelled", job.GetProperty("status").GetString());
        Assert.InRange(job.GetProperty("tokenIds").GetArrayLength(), 1, 3999);
    }
}
