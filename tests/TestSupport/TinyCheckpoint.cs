using Summarizer.Model.Checkpoints;
using Summarizer.Model.Tokenization;

namespace Summarizer.TestSupport;

/// <summary>
/// One tiny random checkpoint per test process, written in Hugging Face layout with the tokenizer trained on the
/// shared long documents, and a few real documents to summarize.
/// </summary>
public static class TinyCheckpoint
{
    private static readonly Lazy<string> Dir = new(Create);

    /// <summary>The checkpoint directory (created on first use, deleted at process exit).</summary>
    public static string Directory => Dir.Value;

    /// <summary>The shared long-document set.</summary>
    public static string LongDocs => LongDocumentCorpus.FindDirectory(AppContext.BaseDirectory)
        ?? throw new DirectoryNotFoundException("shared/data/long-docs not found above " + AppContext.BaseDirectory);

    /// <summary>A real document of at least <paramref name="minWords"/> and at most <paramref name="maxWords"/> words.</summary>
    public static LongDocument Document(int minWords, int maxWords = int.MaxValue, string source = "") =>
        LongDocumentCorpus.Read(Path.Combine(LongDocs, "dev.jsonl.gz"))
            .First(d => d.Words >= minWords && d.Words <= maxWords && d.Source.StartsWith(source, StringComparison.Ordinal));

    private static string Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "summarizer-tests", $"tiny-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var corpus = LongDocumentCorpus.Read(Path.Combine(LongDocs, "train.jsonl.gz")).Take(40).Select(d => d.Document);
        RandomCheckpoint.Write(dir, RandomCheckpoint.Preset.Tiny, seed: 3, corpus);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }
}
