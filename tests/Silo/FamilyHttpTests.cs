using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>Each model family served by a silo over real HTTP: submitted as JSON, streamed as Server-Sent Events.</summary>
[Collection(OwnAppCollection.Name)]
public sealed class FamilyHttpTests
{
    [Theory]
    [InlineData("t5-tiny")]
    [InlineData("flan-t5-tiny")]
    [InlineData("pegasus-tiny")]
    [InlineData("mbart-tiny")]
    public async Task EachFamilySummarizesOverHttpAndStreamsTheTextItStores(string family)
    {
        await using var app = await SiloApp.StartAsync(FamilyCheckpoints.Directory(family));
        await Submissions.WaitReadyAsync(app.Http);
        var text = TinyCheckpoint.Document(1500, 2500, "kep").Document;

        var id = await Submissions.AcceptedAsync(await Submissions.PostAsync(app.Http, text, maxNewTokens: 8));
        var events = await EventStream.ReadAsync(app.Http, id);

        Assert.Equal("done", events[^1].Event);
        var streamed = string.Concat(events.Where(e => e.Event == "delta").Select(e => e.Text));
        var job = await Submissions.GetJobAsync(app.Http, id);
        Assert.Equal(job.GetProperty("text").GetString(), streamed);
        Assert.True(job.GetProperty("statistics").GetProperty("shardCount").GetInt32() > 3);
    }
}
