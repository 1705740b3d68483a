using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Summarizer.Contracts;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

/// <summary>
/// Request option <c>attribution</c> over real HTTP: refused unless a boolean, off by default, and when on, the done
/// event and the job carry the same sentences, each pointing at characters of the document exactly as it was sent.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class AttributionTests(SiloAppFixture fixture)
{
    private HttpClient Http => fixture.App.Http;

    /// <summary>A real document as a Windows editor with decomposed accents would send it: CRLF, NFD marks, emoji, leading blanks.</summary>
    private static string CrlfNonAsciiDocument(string source)
    {
        var text = TinyCheckpoint.Document(500, 900, source).Document;
        return " \r\n  Re\u0301sume\u0301 — naïve café 🙂 Ångström\r\n"
            + text.Replace("\r\n", "\n").Replace("\n", "\r\n").Replace("the ", "the e\u0301 ").Replace(". ", ". 😀 ") + "\r\n\r\n";
    }

    [Theory]
    [InlineData("\"yes\"")]
    [InlineData("1")]
    [InlineData("{}")]
    [InlineData("[true]")]
    public async Task AnAttributionThatIsNotABooleanIsBadRequestNamingTheField(string value)
    {
        using var response = await Http.PostAsync("/v1/summaries", new StringContent(
            "{\"text\": \"A document.\", \"options\": {\"attribution\": " + value + "}}", Encoding.UTF8, "application/json"));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("options.attribution", problem.GetProperty("field").GetString());
        Assert.Contains("true or false", problem.GetProperty("detail").GetString());
        Assert.Null(response.Headers.Location);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task WithoutAttributionTheDoneEventAndTheJobHaveNoAttributionField(bool? attribution)
    {
        var id = await Submissions.AcceptedAsync(await Http.PostAsJsonAsync("/v1/summaries",
            new { text = TinyCheckpoint.Document(500, 900, "pep").Document, options = new { maxNewTokens = 8, attribution } }));

        var done = (await EventStream.ReadAsync(Http, id))[^1];
        var job = await Submissions.GetJobAsync(Http, id);

        Assert.Equal("done", done.Event);
        foreach (var json in new[] { done.Json, job })
        {
            Assert.False(json.TryGetProperty("attribution", out _), json.GetRawText());
            Assert.False(json.TryGetProperty("attributionUnavailable", out _), json.GetRawText());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AttributionSpansPointAtCharactersOfTheDocumentAsSentAndTheDoneEventAndJobAgree(int beams)
    {
        var original = CrlfNonAsciiDocument("pep");
        var id = await Submissions.AcceptedAsync(await Http.PostAsJsonAsync("/v1/summaries",
            new { text = original, options = new { maxNewTokens = 40, minNewTokens = 30, beams, attribution = true, decodeMode = "local" } }));

        var done = (await EventStream.ReadAsync(Http, id))[^1];
        var job = await Submissions.GetJobAsync(Http, id);

        Assert.True(done.Event == "done", done.Data);
        var sentences = done.Json.GetProperty("attribution");
        Assert.Equal(sentences.GetRawText(), job.GetProperty("attribution").GetRawText());
        Assert.True(job.GetProperty("options").GetProperty("attribution").GetBoolean());
        var summary = done.Text;
        Assert.True(sentences.GetArrayLength() > 0, done.Data);
        int previousEnd = 0, spans = 0;
        foreach (var sentence in sentences.EnumerateArray())
        {
            int start = sentence.GetProperty("start").GetInt32(), end = sentence.GetProperty("end").GetInt32();
            Assert.InRange(start, previousEnd, end);
            Assert.Equal(sentence.GetProperty("text").GetString(), summary[start..end]);
            previousEnd = end;
            var weights = new List<double>();
            foreach (var span in sentence.GetProperty("spans").EnumerateArray())
            {
                spans++;
                int s = span.GetProperty("start").GetInt32(), e = span.GetProperty("end").GetInt32();
                weights.Add(span.GetProperty("weight").GetDouble());
                AssertCutsTheOriginalWhereNormalizationCuts(original, s, e);
            }
            Assert.InRange(weights.Count, 0, 5);
            Assert.All(weights, w => Assert.InRange(w, 1e-9, 1.0));
            Assert.Equal(weights.OrderByDescending(w => w), weights);
        }
        Assert.True(spans > 0, done.Data);
    }

    [Fact]
    public async Task ADistributedJobSaysAttributionIsUnavailableAndStillCompletes()
    {
        var id = await Submissions.AcceptedAsync(await Http.PostAsJsonAsync("/v1/summaries",
            new { text = TinyCheckpoint.Document(500, 900, "pep").Document, options = new { maxNewTokens = 8, attribution = true, decodeMode = "distributed" } }));

        var done = (await EventStream.ReadAsync(Http, id))[^1];
        var job = await Submissions.GetJobAsync(Http, id);

        Assert.Equal("done", done.Event);
        Assert.NotEmpty(done.Text);
        foreach (var json in new[] { done.Json, job })
        {
            Assert.False(json.TryGetProperty("attribution", out _), json.GetRawText());
            Assert.Contains("distributed", json.GetProperty("attributionUnavailable").GetString());
        }
    }

    /// <summary>
    /// The span [start, end) of the document as sent is whole text of the normalized document: cutting the original
    /// there and normalizing each piece gives the normalized document back (no CRLF, surrogate pair or letter and its
    /// marks split), the span is that same text, and it begins and ends on a character that is not whitespace.
    /// </summary>
    private static void AssertCutsTheOriginalWhereNormalizationCuts(string original, int start, int end)
    {
        Assert.InRange(start, 0, end - 1);
        Assert.InRange(end, start + 1, original.Length);
        static string Piece(string s) => DocumentKeys.Nfc(s).Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
        var before = Piece(original[..start]).TrimStart();
        var span = Piece(original[start..end]);
        var after = Piece(original[end..]).TrimEnd();
        var normalized = DocumentKeys.Normalize(original);
        Assert.Equal(normalized, before + span + after);
        Assert.False(char.IsWhiteSpace(original[start]) || char.IsWhiteSpace(original[end - 1]), $"span [{start}, {end}) '{original[start..end]}' has whitespace at an end");
        Assert.False(char.IsLowSurrogate(original[start]), $"span [{start}, {end}) starts inside a surrogate pair");
        Assert.False(original[start] == '\n' && start > 0 && original[start - 1] == '\r', $"span [{start}, {end}) starts inside a CRLF");
    }
}
