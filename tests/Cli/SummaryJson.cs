using System.Text.Json;

namespace Summarizer.Cli.Tests;

/// <summary>Checks the object <c>summarize --json</c> prints.</summary>
internal static class SummaryJson
{
    /// <summary>Parses stdout as exactly one JSON object with the six documented fields, and returns it.</summary>
    public static JsonElement Parse(ProcessResult run, int maxNewTokens)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        // Only the object on stdout: JsonDocument.Parse rejects anything before or after it.
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement.Clone();
        Assert.Equal(JsonValueKind.Object, root.ValueKind);
        Assert.Equal(JsonValueKind.String, root.GetProperty("summary").ValueKind);
        var tokenIds = root.GetProperty("tokenIds");
        Assert.Equal(JsonValueKind.Array, tokenIds.ValueKind);
        Assert.InRange(tokenIds.GetArrayLength(), 0, maxNewTokens);
        int shards = root.GetProperty("shardCount").GetInt32();
        Assert.True(shards > 1, $"expected several shards, got {shards}");
        Assert.Equal(shards, root.GetProperty("encoderRuns").GetInt64());
        Assert.True(root.GetProperty("timeToFirstTokenMs").GetDouble() >= 0);
        Assert.True(root.GetProperty("tokensPerSecond").GetDouble() >= 0);
        Assert.Equal(6, root.EnumerateObject().Count());
        return root;
    }
}
