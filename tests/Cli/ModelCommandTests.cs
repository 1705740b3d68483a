namespace Summarizer.Cli.Tests;

/// <summary><c>summarizer model init-random</c> and <c>model inspect</c>.</summary>
public sealed class ModelCommandTests
{
    private static readonly string[] HuggingFaceFiles = ["config.json", "generation_config.json", "model.safetensors", "vocab.json", "merges.txt"];

    [Fact]
    public async Task Init_random_writes_a_checkpoint_and_the_same_seed_gives_the_same_weights()
    {
        using var home = new TemporaryDirectory();
        var first = await CliProcess.RunAsync(home.Path, "model", "init-random", home["a"], "--preset", "tiny", "--seed", "5");
        var second = await CliProcess.RunAsync(home.Path, "model", "init-random", home["b"], "--preset", "tiny", "--seed", "5");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        foreach (var name in HuggingFaceFiles) Assert.True(File.Exists(Path.Combine(home["a"], name)), $"{name} missing\n{first}");
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(home["a"], "model.safetensors")),
            await File.ReadAllBytesAsync(Path.Combine(home["b"], "model.safetensors")));
    }

    [Fact]
    public async Task Inspect_prints_parameters_and_kv_bytes_per_token()
    {
        using var home = new TemporaryDirectory();
        var init = await CliProcess.RunAsync(home.Path, "model", "init-random", home["m"], "--preset", "tiny", "--seed", "2");
        Assert.True(init.ExitCode == 0, init.ToString());

        var run = await CliProcess.RunAsync(home.Path, "model", "inspect", home["m"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("parameters", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("K/V bytes per source token", run.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("t5-tiny", "t5 (T5 network)", "SentencePieceUnigram", "spiece.model")]
    [InlineData("mbart-tiny", "mbart (Bart network)", "SentencePieceBpe", "sentencepiece.bpe.model")]
    public async Task Init_random_family_presets_write_their_tokenizer_and_inspect_shows_family_and_tokenizer_kind(
        string preset, string family, string kind, string tokenizerFile)
    {
        using var home = new TemporaryDirectory();
        var init = await CliProcess.RunAsync(home.Path, "model", "init-random", home["m"], "--preset", preset, "--seed", "2");
        Assert.True(init.ExitCode == 0, init.ToString());
        Assert.True(File.Exists(Path.Combine(home["m"], tokenizerFile)), init.ToString());

        var run = await CliProcess.RunAsync(home.Path, "model", "inspect", home["m"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains(family, run.Stdout, StringComparison.Ordinal);
        Assert.Contains(kind, run.Stdout, StringComparison.Ordinal);
        // 2 x 2 decoder layers x 4 heads x 16 (T5's d_kv) or d_model 64 x 4 bytes.
        Assert.Contains("1,024", run.Stdout, StringComparison.Ordinal);
    }
}
