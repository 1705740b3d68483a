using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Summarizer.Silo.Tests;

/// <summary>
/// <c>/openapi/v1.json</c> describes every <c>/v1</c> route the app maps, with schemas, problem details, the SSE
/// stream and the security scheme, and equals the committed copy <c>docs/openapi/v1.json</c>. To regenerate the copy
/// after changing the API: <c>SUMMARIZER_UPDATE_OPENAPI=1 dotnet test tests/Silo --filter OpenApiTests</c>.
/// </summary>
[Collection(SiloCollection.Name)]
public sealed class OpenApiTests(SiloAppFixture fixture)
{
    /// <summary>The repository's root directory.</summary>
    internal static string RepositoryRoot => Path.GetFullPath(
        typeof(OpenApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!);

    private static string CommittedPath => Path.Combine(RepositoryRoot, "docs", "openapi", "v1.json");

    private async Task<JsonNode> LiveAsync() => JsonNode.Parse(await fixture.App.Http.GetStringAsync("/openapi/v1.json"))!;

    private static string Canonical(JsonNode document) => document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";

    [Fact]
    public async Task The_openapi_document_lists_every_v1_route_with_its_schemas_problems_stream_and_security()
    {
        var document = await LiveAsync();
        var paths = document["paths"]!.AsObject();
        var routes = fixture.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/').TrimEnd('/'), Method: m.ToLowerInvariant())))
            .ToList();
        Assert.True(routes.Count >= 5, "the app maps fewer /v1 routes than expected");
        foreach (var (path, method) in routes)
        {
            var operation = paths[path]?[method];
            Assert.True(operation is not null, $"{method.ToUpperInvariant()} {path} is not in the OpenAPI document");
            Assert.NotNull(operation["summary"]);
            var responses = operation["responses"]!.AsObject();
            Assert.True(responses.ContainsKey("401") && responses.ContainsKey("429"), $"{method} {path} lacks 401/429");
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
                Assert.True(response!["content"]?["application/problem+json"] is not null, $"{method} {path} {status} is not a problem detail");
        }
        Assert.Equal(routes.Count, paths.Sum(p => p.Value!.AsObject().Count));

        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var name in new[] { "SubmitBody", "SummaryRequestOptions", "SubmissionAccepted", "JobLinks", "SummaryJob", "SummaryStatus", "SummaryStatistics", "SummaryEvent", "SummaryEventKind", "DiagnosticsReport", "SiloDiagnostics", "ProblemDetails" })
            Assert.True(schemas.ContainsKey(name), $"schema {name} is missing");
        Assert.Contains("\"completed\"", schemas["SummaryStatus"]!.ToJsonString());

        var submit = paths["/v1/summaries"]!["post"]!;
        Assert.NotNull(submit["requestBody"]!["content"]!["application/json"]);
        Assert.NotNull(submit["requestBody"]!["content"]!["text/plain"]);
        Assert.NotNull(submit["responses"]!["202"]!["headers"]!["Location"]);
        var events = paths["/v1/summaries/{id}/events"]!["get"]!;
        Assert.Contains("#/components/schemas/SummaryEvent", events["responses"]!["200"]!["content"]!["text/event-stream"]!.ToJsonString());
        Assert.Contains(events["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "Last-Event-ID" && p["in"]!.GetValue<string>() == "header");
        foreach (var kind in new[] { "progress", "delta", "done", "error" }) Assert.Contains(kind, events["description"]!.GetValue<string>());

        var bearer = document["components"]!["securitySchemes"]!["bearer"]!;
        Assert.Equal(("http", "bearer"), (bearer["type"]!.GetValue<string>(), bearer["scheme"]!.GetValue<string>()));
        Assert.NotNull(document["security"]![0]!["bearer"]);
    }

    [Fact]
    public async Task The_openapi_document_equals_the_committed_copy()
    {
        var live = Canonical(await LiveAsync());
        if (Environment.GetEnvironmentVariable("SUMMARIZER_UPDATE_OPENAPI") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(CommittedPath)!);
            await File.WriteAllTextAsync(CommittedPath, live);
        }
        Assert.True(File.Exists(CommittedPath), $"{CommittedPath} is missing; regenerate it with SUMMARIZER_UPDATE_OPENAPI=1 dotnet test tests/Silo --filter OpenApiTests");
        var committed = Canonical(JsonNode.Parse(await File.ReadAllTextAsync(CommittedPath))!);
        Assert.True(committed == live, "The live OpenAPI document differs from docs/openapi/v1.json; if the API change is intended, "
            + "regenerate it with SUMMARIZER_UPDATE_OPENAPI=1 dotnet test tests/Silo --filter OpenApiTests and commit it.\n"
            + FirstDifference(committed, live));
    }

    private static string FirstDifference(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "<end>";
            var y = i < b.Length ? b[i] : "<end>";
            if (x != y) return $"line {i + 1}: committed {x.Trim()} / live {y.Trim()}";
        }
        return "";
    }
}
