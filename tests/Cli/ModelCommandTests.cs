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
}
