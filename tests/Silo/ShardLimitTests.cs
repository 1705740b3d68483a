using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.Client;
using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Shard options are validated at submission against the loaded model, and <c>Summarizer:MaxShardsPerDocument</c>
/// bounds how many shards one document may become (this silo allows <see cref="BadInputFixture.MaxShards"/>).
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class ShardLimitTests(BadInputFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    public async Task ATinyShardLengthThatWouldMakeTooManyShardsIs400NamingTheOptionAndTheLimit(int shardLength)
    {
        var text = TinyCheckpoint.Document(1000, 1500).Document;

        using var response = await Http.PostAsJsonAsync("/v1/summaries", new { text, options = new { shardLength } });

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("shardLength", problem.GetProperty("option").GetString());
        Assert.Equal("options.shardLength", problem.GetProperty("field").GetString());
        Assert.Equal(BadInputFixture.MaxShards, problem.GetProperty("limit").GetInt32());
        Assert.True(problem.GetProperty("shards").GetInt32() > BadInputFixture.MaxShards);
        Assert.Equal("Summarizer:MaxShardsPerDocument", problem.GetProperty("setting").GetString());
        Assert.Contains("Summarizer:MaxShardsPerDocument", problem.GetProperty("detail").GetString());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task ADocumentTooLongForTheShardLimitAtTheDefaultLengthIs413NamingTheLimit()
    {
        // 128-token shards: more than 64 of them is a document of more than about 8,000 tokens.
        var text = TinyCheckpoint.Document(9000, 30000).Document;

        using var response = await Http.PostAsync("/v1/summaries", new StringContent(text, System.Text.Encoding.UTF8, "text/plain"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(BadInputFixture.MaxShards, problem.GetProperty("limit").GetInt32());
        Assert.Contains("Summarizer:MaxShardsPerDocument", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ADocumentWithinTheShardLimitAtAChosenShardLengthIsAcceptedAndSummarized()
    {
        var text = TinyCheckpoint.Document(1000, 1500).Document;
        var id = await Submissions.AcceptedAsync(await Http.PostAsJsonAsync("/v1/summaries", new { text, options = new { shardLength = 256, shardOverlap = 16, maxNewTokens = 2 } }));
        await Submissions.AssertDoneAsync(Http, id);
        Assert.InRange((await Submissions.GetJobAsync(Http, id)).GetProperty("statistics").GetProperty("shardCount").GetInt32(), 2, BadInputFixture.MaxShards);
    }

    [Fact]
    public async Task AJobSubmittedThroughTheClientLibraryWithTooManyShardsFailsNamingTheLimit()
    {
        var client = fixture.App.Services.GetRequiredService<SummarizerClient>();
        // A document of its own: shard options only matter the first time a document is encoded.
        var text = TinyCheckpoint.Document(1000, 1500).Document + " " + nameof(AJobSubmittedThroughTheClientLibraryWithTooManyShardsFailsNamingTheLimit);
        var id = await client.SubmitAsync(text, new SummaryRequestOptions { ShardLength = 3, MaxNewTokens = 2 });

        SummaryEvent? last = null;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await foreach (var e in client.StreamAsync(id, cancellationToken: timeout.Token)) last = e;

        Assert.Equal(SummaryEventKind.Error, last?.Kind);
        Assert.Contains("Summarizer:MaxShardsPerDocument", last!.Error);
    }
}
