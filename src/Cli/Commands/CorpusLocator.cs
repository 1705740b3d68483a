using Summarizer.Model.Tokenization;

namespace Summarizer.Cli.Commands;

/// <summary>Finds text to train a random checkpoint's tokenizer on.</summary>
internal static class CorpusLocator
{
    /// <summary>Texts from <paramref name="file"/> (plain text or .jsonl.gz), else from <c>shared/data/long-docs</c>.</summary>
    public static IEnumerable<string> Texts(FileInfo? file)
    {
        if (file is not null)
        {
            if (!file.Exists) throw new FileNotFoundException($"Corpus file {file.FullName} does not exist.", file.FullName);
            return file.Name.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase)
                ? LongDocumentCorpus.Read(file.FullName).Select(d => d.Document)
                : [File.ReadAllText(file.FullName)];
        }
        var dir = LongDocumentCorpus.FindDirectory(AppContext.BaseDirectory) ?? LongDocumentCorpus.FindDirectory(Environment.CurrentDirectory)
            ?? throw new FileNotFoundException("No tokenizer corpus: pass --corpus FILE (text or .jsonl.gz), or run from a checkout with ../shared/data/long-docs beside it.");
        return LongDocumentCorpus.Read(Path.Combine(dir, "train.jsonl.gz")).Select(d => d.Document);
    }
}
