using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Summarizer.TestSupport;

namespace Summarizer.Silo.Tests;

public sealed class SecurityTests : IAsyncLifetime
{
    private const string KeyA = "key-of-tenant-a", KeyB = "key-of-tenant-b";
    private SiloApp _app = null!;

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    public async Task InitializeAsync() => _app = await SiloApp.StartAsync(TinyCheckpoint.Directory, 256 << 10,
        "--Summarizer:Api:Keys:0:Tenant=tenant-a", $"--Summarizer:Api:Keys:0:Sha256={Hash(KeyA)}",
        "--Summarizer:Api:Keys:1:Tenant=tenant-b", $"--Summarizer:Api:Keys:1:Sha256={Hash(KeyB)}",
        "--Summarizer:Api:RequestsPerMinute=8");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private HttpRequestMessage Request(HttpMethod method, string path, string? key, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    [Fact]
    public async Task EveryV1RouteNeedsAValidKeyWhileHealthDoesNot()
    {
        foreach (var key in new[] { null, "wrong-key" })
        {
            using var post = await _app.Http.SendAsync(Request(HttpMethod.Post, "/v1/summaries", key, new { text = "A document." }));
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
            Assert.Equal("Bearer", post.Headers.WwwAuthenticate.Single().Scheme);
            using var get = await _app.Http.SendAsync(Request(HttpMethod.Get, "/v1/summaries/x", key));
            Assert.Equal(HttpStatusCode.Unauthorized, get.StatusCode);
        }
        using var live = await _app.Http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task ATenantCannotReadStreamOrCancelAnotherTenantsJobNorLearnItExists()
    {
        using var post = await _app.Http.SendAsync(Request(HttpMethod.Post, "/v1/summaries", KeyA, new { text = "A document of tenant A.", options = new { maxNewTokens = 4 } }));
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        var id = (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var own = await _app.Http.SendAsync(Request(HttpMethod.Get, $"/v1/summaries/{id}", KeyA));
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal("tenant-a", (await own.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("tenant").GetString());
        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/v1/summaries/{id}"), (HttpMethod.Get, $"/v1/summaries/{id}/events"), (HttpMethod.Delete, $"/v1/summaries/{id}") })
        {
            using var other = await _app.Http.SendAsync(Request(method, path, KeyB));
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode); // the same answer as for a job that does not exist
        }
    }

    [Fact]
    public async Task ATenantOverItsRequestRateGets429WithRetryAfterWithoutSlowingOthers()
    {
        HttpResponseMessage? last = null;
        for (int i = 0; i < 12; i++)
        {
            last?.Dispose();
            last = await _app.Http.SendAsync(Request(HttpMethod.Get, "/v1/summaries/none", KeyB));
            if (last.StatusCode == HttpStatusCode.TooManyRequests) break;
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.True(last.Headers.RetryAfter is not null);
        last.Dispose();

        using var otherTenant = await _app.Http.SendAsync(Request(HttpMethod.Get, "/v1/summaries/none", KeyA));
        Assert.NotEqual(HttpStatusCode.TooManyRequests, otherTenant.StatusCode);
    }
}
