using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Summarizer.Contracts;
using Summarizer.Grains.Inference;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary><c>Summarizer:MaxDocumentTokens</c> enforced at submission over HTTP, with the gateway's tokenizer.</summary>
[Collection(OwnAppCollection.Name)]
public sealed class DocumentLimitTests : IAsyncLifetime
{
    private const int Limit = 200;
    private SiloApp _app = null!;

    public async Task InitializeAsync() => _app = await SiloApp.StartAsync(TinyCheckpoint.Directory, logs: null, 256 << 10,
        "--Summarizer:Api:AllowAnonymous=true", $"--Summarizer:MaxDocumentTokens={Limit}");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<int> TokensAsync(string text) =>
        (await _app.Services.GetRequiredService<ModelHost>().GetAsync()).TokenizeContent(DocumentKeys.Normalize(text)).Count;

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    public async Task ADocumentOverTheTokenLimitIs413NamingTheLimitAndItsTokenCountAndRecordsNoJob(string mediaType)
    {
        await Submissions.WaitReadyAsync(_app.Http);
        var text = TinyCheckpoint.Document(400, 900, "pep").Document;
        int tokens = await TokensAsync(text);
        Assert.True(tokens > Limit, $"the test document has only {tokens} tokens");

        using var response = mediaType == "text/plain"
            ? await _app.Http.PostAsync("/v1/summaries", new StringContent(text, Encoding.UTF8, "text/plain"))
            : await _app.Http.PostAsJsonAsync("/v1/summaries", new { text });

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"the limit is {Limit} tokens (Summarizer:MaxDocumentTokens)", detail);
        Assert.Contains($"is {tokens} tokens long", detail);
        Assert.Equal(Limit, problem.GetProperty("limit").GetInt32());
        Assert.Equal(tokens, problem.GetProperty("tokens").GetInt32());
        Assert.Null(response.Headers.Location);
        Assert.False(problem.TryGetProperty("id", out _));
    }

    [Fact]
    public async Task ADocumentWithinTheTokenLimitIsAcceptedAndSummarizedWhileOneWordMoreIs413()
    {
        await Submissions.WaitReadyAsync(_app.Http);
        // The longest prefix of whole words that stays within the limit: over it by one word would be refused.
        var words = TinyCheckpoint.Document(400, 900, "kep").Document.Split(' ');
        int n = words.Length;
        while (await TokensAsync(string.Join(' ', words[..n])) > Limit) n = n * 9 / 10;
        while (n + 1 < words.Length && await TokensAsync(string.Join(' ', words[..(n + 1)])) <= Limit) n++;
        var text = string.Join(' ', words[..n]);
        Assert.True(await TokensAsync(text) <= Limit);
        Assert.True(await TokensAsync(string.Join(' ', words[..(n + 1)])) > Limit);

        var id = await Submissions.AcceptedAsync(await Submissions.PostAsync(_app.Http, text));
        await Submissions.AssertDoneAsync(_app.Http, id);

        using var over = await Submissions.PostAsync(_app.Http, string.Join(' ', words[..(n + 1)]));
        await ProblemAssert.IsProblemAsync(over, HttpStatusCode.RequestEntityTooLarge);
    }
}
