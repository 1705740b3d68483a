using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Summarizer.Silo.Tests;

/// <summary>
/// The bad-input campaign over real HTTP (<see cref="BadInputs"/>): every case gets its 4xx naming the field at fault,
/// no answer shows the server's insides, and nothing stored is lost.
/// </summary>
[Collection(BadInputCollection.Name)]
public sealed class BadInputTests(BadInputFixture fixture)
{
    /// <summary>The case names.</summary>
    public static IEnumerable<object[]> Cases => BadInputs.Names;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachBadInputGetsItsClientErrorNamingTheFieldAndShowsNothingInternal(string name)
    {
        var (status, body, location) = await SendAsync(BadInputs.All[name]);
        AssertAnswer(BadInputs.All[name], status, body, location);
    }

    [Fact]
    public async Task TheWholeCampaignAtOnceGetsOnlyClientErrorsAndLosesNothingStored()
    {
        var answers = new ConcurrentBag<(BadInput Case, int Status, string Body, Uri? Location)>();
        await Parallel.ForEachAsync(BadInputs.All.Values, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (input, _) =>
        {
            var (status, body, location) = await SendAsync(input);
            answers.Add((input, status, body, location));
        });

        Assert.Equal(BadInputs.All.Count, answers.Count);
        foreach (var (input, status, body, location) in answers) AssertAnswer(input, status, body, location);

        // The job that completed before the campaign is still there, whole; the silo still serves.
        var job = await fixture.StoredJobAsync();
        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal(fixture.JobText, job.GetProperty("text").GetString());
        var replay = await EventStream.ReadAsync(fixture.App.Http, fixture.JobId);
        Assert.Equal(fixture.JobText, replay[^1].Text);
        using var ready = await fixture.App.Http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    private async Task<(int Status, string Body, Uri? Location)> SendAsync(BadInput input)
    {
        using var request = input.Build(fixture.JobId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var response = await fixture.App.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        // An event stream that wrongly opened would never end: read a bounded prefix only.
        var buffer = new char[64 << 10];
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        int read = await reader.ReadBlockAsync(buffer, timeout.Token);
        return ((int)response.StatusCode, new string(buffer, 0, read), response.Headers.Location);
    }

    private static void AssertAnswer(BadInput input, int status, string body, Uri? location)
    {
        Assert.True(status == input.Status, $"{input.Name}: expected {input.Status}, got {status}: {body}");
        Assert.Null(location);
        LeakAssert.NothingInternal(body, input.Name);
        if (input.Field is null) return;
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal(input.Status, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("field", out var field), $"{input.Name}: no field in {body}");
        Assert.Equal(input.Field, field.GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        var named = input.Field.StartsWith("options.", StringComparison.Ordinal) ? input.Field["options.".Length..] : input.Field;
        if (named is not "(body)") Assert.Contains(named, detail);
    }
}
