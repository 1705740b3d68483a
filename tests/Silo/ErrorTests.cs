using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Summarizer.Silo.Tests;

[Collection(SiloCollection.Name)]
public sealed class ErrorTests(SiloAppFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    private Task<HttpResponseMessage> PostAsync(byte[] body, string? mediaType)
    {
        var content = new ByteArrayContent(body);
        if (mediaType is not null) content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = mediaType.StartsWith("text/") ? "utf-8" : null };
        return Http.PostAsync("/v1/summaries", content);
    }

    private Task<HttpResponseMessage> PostAsync(string body, string mediaType) => PostAsync(Encoding.UTF8.GetBytes(body), mediaType);

    [Theory]
    [InlineData("", "text/plain")]
    [InlineData(" \n\t \r\n", "text/plain")]
    [InlineData("", "application/json")]
    [InlineData("""{"text": "   \n  "}""", "application/json")]
    [InlineData("""{"options": {"beams": 1}}""", "application/json")]
    public async Task EmptyOrWhitespaceDocumentIsBadRequest(string body, string mediaType)
    {
        using var response = await PostAsync(body, mediaType);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    public async Task InvalidUtf8IsBadRequest(string mediaType)
    {
        byte[] body = mediaType == "text/plain"
            ? [0x48, 0x69, 0x20, 0xC3, 0x28, 0xFF, 0xFE]
            : [.. "{\"text\": \"Hi "u8.ToArray(), 0xC3, 0x28, 0xFF, .. "\"}"u8.ToArray()];
        using var response = await PostAsync(body, mediaType);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("A document\0with a NUL byte.", "text/plain")]
    [InlineData("""{"text": "A document\u0000with a NUL byte."}""", "application/json")]
    public async Task NulBytesAreBadRequest(string body, string mediaType)
    {
        using var response = await PostAsync(body, mediaType);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains("NUL", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"text": "unterminated""")]
    [InlineData("""{"text": 42}""")]
    [InlineData("""[1, 2, 3]""")]
    [InlineData("""{"text": "ok", "options": {"beams": "many"}}""")]
    public async Task MalformedJsonIsBadRequest(string body)
    {
        using var response = await PostAsync(body, "application/json");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("""{"text": "A document.", "model": "other"}""", "model")]
    [InlineData("""{"text": "A document.", "options": {"temperature": 0.7}}""", "temperature")]
    public async Task UnknownJsonFieldIsBadRequestNamingIt(string body, string field)
    {
        using var response = await PostAsync(body, "application/json");
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("""{"text": "A document.", "model": "/tmp/other-model"}""", "model")]
    [InlineData("""{"text": "A document.", "modelDirectory": "/tmp/other-model"}""", "modelDirectory")]
    [InlineData("""{"text": "A document.", "ModelDirectory": "/tmp/other-model"}""", "ModelDirectory")]
    [InlineData("""{"text": "A document.", "options": {"modelDirectory": "/tmp/other-model"}}""", "modelDirectory")]
    [InlineData("""{"text": "A document.", "options": {"model": "/tmp/other-model"}}""", "model")]
    public async Task AModelOrModelDirectoryInTheRequestIsRefusedNamingTheField(string body, string field)
    {
        using var response = await PostAsync(body, "application/json");
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.GetProperty("detail").GetString());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task AModelDirectoryInTheQueryStringIsIgnoredAndTheJobUsesTheConfiguredModel()
    {
        var configured = await fixture.App.Services.GetRequiredService<Summarizer.Grains.Inference.ModelHost>().GetAsync();
        var id = await Submissions.AcceptedAsync(await Http.PostAsync("/v1/summaries?model=/nonexistent&modelDirectory=/nonexistent",
            new StringContent("A short document about query strings.", Encoding.UTF8, "text/plain")));

        await Submissions.AssertDoneAsync(Http, id);
        // The document key ends with the fingerprint of the model that encoded it: the configured one.
        var job = await Submissions.GetJobAsync(Http, id);
        Assert.EndsWith("/" + configured.Fingerprint, job.GetProperty("documentKey").GetString());
    }

    [Theory]
    [InlineData("beams", 0)]
    [InlineData("maxNewTokens", -1)]
    [InlineData("maxNewTokens", 100000)]
    [InlineData("topKShards", 0)]
    [InlineData("noRepeatNgramSize", -3)]
    [InlineData("shardLength", 1)]
    public async Task OptionOutOfRangeIsBadRequestNamingTheOption(string option, int value)
    {
        using var response = await PostAsync("{\"text\": \"A short document.\", \"options\": {\"" + option + "\": " + value + "}}", "application/json");
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(option, problem.GetProperty("option").GetString());
        Assert.Contains(option, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task MoreNewTokensThanTheDecoderCanPositionIsBadRequestOnceTheModelIsLoaded()
    {
        using (var ready = await Http.GetAsync("/health/ready")) Assert.Equal(HttpStatusCode.OK, ready.StatusCode);

        // The tiny checkpoint has 256 positions: 300 new tokens cannot be generated.
        using var response = await PostAsync("{\"text\": \"A short document.\", \"options\": {\"maxNewTokens\": 300}}", "application/json");
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("maxNewTokens", problem.GetProperty("option").GetString());
        Assert.Contains("max_position_embeddings 256", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data")]
    [InlineData(null)]
    public async Task UnsupportedMediaTypeIs415(string? mediaType)
    {
        using var response = await PostAsync("<doc>A document.</doc>"u8.ToArray(), mediaType);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("text/plain", false)]
    [InlineData("application/json", false)]
    [InlineData("text/plain", true)]
    public async Task BodyOverTheByteLimitIs413NamingTheLimit(string mediaType, bool chunked)
    {
        long limit = fixture.App.MaxRequestBytes;
        var body = new byte[limit + 1];
        Array.Fill(body, (byte)'a');
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        // Without a Content-Length the server only learns the size while reading the body.
        if (chunked) content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/summaries") { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await Http.SendAsync(request);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("/v1/summaries/no-such-job")]
    [InlineData("/v1/summaries/no-such-job/events")]
    public async Task UnknownJobIsNotFound(string path)
    {
        using var response = await Http.GetAsync(path);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeleteOfUnknownJobIsNotFound()
    {
        using var response = await Http.DeleteAsync("/v1/summaries/no-such-job");
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }
}
