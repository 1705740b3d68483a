using System.Net;
using System.Net.Http.Json;
using System.Text;
using Summarizer.Contracts;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Text that used to break normalization, over real HTTP: noncharacters are accepted and kept, a long run of combining
/// marks is accepted and hashed in its stream-safe form (normalization linear, off the grain scheduler).
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class TextClassTests(BadInputFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    [Fact]
    public async Task ADocumentWithNoncharactersIsAcceptedAsTextOrJsonKeptAndSummarizedOnce()
    {
        var text = "Noncharacters are allowed in text: \uFFFE, \uFFFF, \uFDD0, \uFDEF, \U0001FFFE and \U0010FFFF. " + string.Join(' ', Enumerable.Repeat("Words follow.", 40));
        var json = "{\"text\": \"" + string.Concat(text.Select(c => c < 128 ? c.ToString() : $"\\u{(int)c:x4}")) + "\", \"options\": {\"maxNewTokens\": 2}}";

        var asJson = await Submissions.AcceptedAsync(await Http.PostAsync("/v1/summaries", new StringContent(json, Encoding.UTF8, "application/json")));
        await Submissions.AssertDoneAsync(Http, asJson);
        var asText = await Submissions.AcceptedAsync(await Http.PostAsync("/v1/summaries", new StringContent(text, Encoding.UTF8, "text/plain")));
        await Submissions.AssertDoneAsync(Http, asText);

        var first = await Submissions.GetJobAsync(Http, asJson);
        var second = await Submissions.GetJobAsync(Http, asText);
        var key = first.GetProperty("documentKey").GetString()!;
        Assert.Equal(key, second.GetProperty("documentKey").GetString());
        Assert.Equal(DocumentKeys.ContentHash(DocumentKeys.Normalize(text)), key.Split('/')[1]);
        Assert.Contains('\uFFFE', DocumentKeys.Normalize(text));
        Assert.Equal(0, second.GetProperty("statistics").GetProperty("encoderRuns").GetInt32());
    }

    [Fact]
    public async Task ALongRunOfCombiningMarksIsAcceptedAndSummarizedUnderItsStreamSafeHash()
    {
        var run = string.Concat(Enumerable.Range(0, 6000).Select(i => i % 2 == 0 ? "\u0301" : "\u0316"));
        var text = "Zalgo text: a" + run + " and then ordinary words to end it.";

        using var response = await Http.PostAsJsonAsync("/v1/summaries", new { text, options = new { maxNewTokens = 2, shardLength = 256 } });
        var id = await Submissions.AcceptedAsync(response);
        await Submissions.AssertDoneAsync(Http, id);

        var normalized = DocumentKeys.Normalize(text);
        Assert.Contains('\u034F', normalized);
        var key = (await Submissions.GetJobAsync(Http, id)).GetProperty("documentKey").GetString()!;
        Assert.Equal(DocumentKeys.ContentHash(normalized), key.Split('/')[1]);
    }

    [Fact]
    public async Task JsonEscapesOfUnpairedSurrogatesAre400NamingText()
    {
        using var response = await Http.PostAsync("/v1/summaries", new StringContent("{\"text\": \"half a pair \\ud83d here\"}", Encoding.UTF8, "application/json"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("text", problem.GetProperty("field").GetString());
        Assert.Contains("surrogate", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("text/plain; charset=\"UTF-8\"")]
    [InlineData("text/plain;charset=us-ascii")]
    public async Task AQuotedOrAsciiCharsetAndAByteOrderMarkAreAcceptedAsTheSameDocument(string contentType)
    {
        var text = "A short document about byte order marks, sent " + contentType.Length + " ways.";
        var plain = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(text));
        plain.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        var withMark = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(text)]);
        withMark.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var first = await Submissions.AcceptedAsync(await Http.PostAsync("/v1/summaries", plain));
        var second = await Submissions.AcceptedAsync(await Http.PostAsync("/v1/summaries", withMark));
        await Submissions.AssertDoneAsync(Http, first);
        await Submissions.AssertDoneAsync(Http, second);

        Assert.Equal((await Submissions.GetJobAsync(Http, first)).GetProperty("documentKey").GetString(),
            (await Submissions.GetJobAsync(Http, second)).GetProperty("documentKey").GetString());
    }
}
