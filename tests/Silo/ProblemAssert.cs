using System.Net;
using System.Text.Json;

namespace Summarizer.Silo.Tests;

/// <summary>Checks RFC 7807 problem details responses.</summary>
public static class ProblemAssert
{
    /// <summary>
    /// Asserts <paramref name="response"/> has <paramref name="status"/>, an <c>application/problem+json</c> body with
    /// that status, a title and a detail; returns the body.
    /// </summary>
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), body);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), body);
        return problem;
    }
}
