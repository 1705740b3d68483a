using Summarizer.TestSupport;

namespace Summarizer.Cli.Tests;

/// <summary><c>summarizer summarize --gateway URL</c> against a real silo process.</summary>
public sealed class GatewayTests
{
    [Fact]
    public async Task Json_output_through_a_running_silo_has_the_same_fields()
    {
        using var home = new TemporaryDirectory();
        await using var silo = await SiloProcess.StartAsync(BuiltPrograms.Silo, new Dictionary<string, string> { ["Summarizer__ModelDirectory"] = TinyCheckpoint.Directory, ["Summarizer__Api__AllowAnonymous"] = "true" });
        var file = home["document.txt"];
        await File.WriteAllTextAsync(file, TinyCheckpoint.Document(minWords: 900, maxWords: 1500).Document);

        var run = await CliProcess.RunAsync(home.Path, "summarize", file, "--gateway", silo.Url, "--max-new-tokens", "12", "--json");

        SummaryJson.Parse(run, maxNewTokens: 12);
        // No silo ran in the CLI, so no default checkpoint was created either.
        Assert.False(Directory.Exists(Path.Combine(home.Path, "models")), run.ToString());
    }

    [Fact]
    public async Task An_unreachable_gateway_is_reported_in_one_line()
    {
        using var home = new TemporaryDirectory();
        var file = home["document.txt"];
        await File.WriteAllTextAsync(file, "A short document.");
        var url = $"http://127.0.0.1:{RedisServer.FreePort()}";

        var run = await CliProcess.RunAsync(home.Path, "summarize", file, "--gateway", url, "--json");

        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Equal("", run.Stdout);
        Assert.StartsWith("summarizer: error: Cannot reach the gateway", run.Stderr, StringComparison.Ordinal);
    }
}
