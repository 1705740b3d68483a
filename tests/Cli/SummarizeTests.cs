using Summarizer.TestSupport;

namespace Summarizer.Cli.Tests;

/// <summary><c>summarizer summarize</c> with its embedded silo.</summary>
public sealed class SummarizeTests
{
    [Fact]
    public async Task Json_output_reports_the_summary_and_its_costs_for_a_corpus_record()
    {
        using var home = new TemporaryDirectory();
        // A short real document: several 256-token shards on the tiny model, yet quick to encode.
        var document = TinyCheckpoint.Document(minWords: 900, maxWords: 1500);
        var run = await CliProcess.RunAsync(home.Path, "summarize", Path.Combine(TinyCheckpoint.LongDocs, "dev.jsonl.gz"),
            "--record", document.Id, "--model", TinyCheckpoint.Directory, "--max-new-tokens", "16", "--json");

        SummaryJson.Parse(run, maxNewTokens: 16);
    }

    [Fact]
    public async Task Without_a_model_it_creates_the_default_random_checkpoint_and_says_so()
    {
        using var home = new TemporaryDirectory();
        var file = home["document.txt"];
        await File.WriteAllTextAsync(file, TinyCheckpoint.Document(minWords: 900, maxWords: 1500).Document);

        var run = await CliProcess.RunAsync(home.Path, "summarize", file, "--max-new-tokens", "8");

        Assert.True(run.ExitCode == 0, run.ToString());
        var checkpoint = Path.Combine(home.Path, "models", "tiny-random");
        Assert.True(File.Exists(Path.Combine(checkpoint, "config.json")), run.ToString());
        Assert.True(File.Exists(Path.Combine(checkpoint, "model.safetensors")), run.ToString());
        Assert.Contains("random weights", run.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("pipeline", run.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("random weights", run.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("shards", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_named_in_one_error_line()
    {
        using var home = new TemporaryDirectory();
        var missing = home["no-such-document.txt"];

        var run = await CliProcess.RunAsync(home.Path, "summarize", missing, "--model", TinyCheckpoint.Directory);

        AssertUserError(run, missing, "does not exist");
    }

    [Fact]
    public async Task An_empty_file_is_refused()
    {
        using var home = new TemporaryDirectory();
        var empty = home["empty.txt"];
        await File.WriteAllTextAsync(empty, "  \n");

        var run = await CliProcess.RunAsync(home.Path, "summarize", empty, "--model", TinyCheckpoint.Directory);

        AssertUserError(run, empty, "empty");
    }

    [Fact]
    public async Task A_file_that_is_not_utf8_is_refused()
    {
        using var home = new TemporaryDirectory();
        var binary = home["binary.txt"];
        await File.WriteAllBytesAsync(binary, [0x41, 0xFF, 0xFE, 0x80, 0x42]);

        var run = await CliProcess.RunAsync(home.Path, "summarize", binary, "--model", TinyCheckpoint.Directory);

        AssertUserError(run, binary, "UTF-8");
    }

    [Fact]
    public async Task Zero_beams_is_refused_naming_the_option()
    {
        using var home = new TemporaryDirectory();
        var file = home["document.txt"];
        await File.WriteAllTextAsync(file, "A short document.");

        var run = await CliProcess.RunAsync(home.Path, "summarize", file, "--model", TinyCheckpoint.Directory, "--beams", "0");

        AssertUserError(run, "--beams", "at least 1");
    }

    private static void AssertUserError(ProcessResult run, params string[] mentions)
    {
        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Equal("", run.Stdout);
        var error = run.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).First();
        Assert.StartsWith("summarizer: error:", error);
        foreach (var m in mentions) Assert.Contains(m, error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Stderr, StringComparison.Ordinal);
    }
}
