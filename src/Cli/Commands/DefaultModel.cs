using Spectre.Console;
using Summarizer.Model.Checkpoints;

namespace Summarizer.Cli.Commands;

/// <summary>The tiny random checkpoint used when no <c>--model</c> is given, created once per machine.</summary>
internal static class DefaultModel
{
    /// <summary>Where it lives: <c>$SUMMARIZER_HOME/models/tiny-random</c>, by default under ~/.cache/summarizer.</summary>
    public static string Directory =>
        Path.Combine(Environment.GetEnvironmentVariable("SUMMARIZER_HOME")
                     ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "summarizer"),
            "models", "tiny-random");

    public static string EnsureCreated(string document, IAnsiConsole console)
    {
        var dir = Directory;
        if (!File.Exists(Path.Combine(dir, "config.json")))
        {
            console.MarkupLineInterpolated($"[yellow]No --model given: creating a tiny random checkpoint in {dir} (summarizer model init-random).[/]");
            IEnumerable<string> corpus;
            try { corpus = CorpusLocator.Texts(null); }
            catch (FileNotFoundException) { corpus = [document]; }
            RandomCheckpoint.Write(dir, RandomCheckpoint.Preset.Tiny, seed: 1, corpus);
        }
        console.MarkupLine("[yellow]Using random weights: this shows the pipeline (shards, encoder, sharded attention, streaming), not a real summary. Pass --model DIR for a real checkpoint such as facebook/bart-large-cnn.[/]");
        return dir;
    }
}
