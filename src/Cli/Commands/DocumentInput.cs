using System.Text;
using Summarizer.Model.Tokenization;

namespace Summarizer.Cli.Commands;

/// <summary>Reads the document to summarize from a file, standard input, or one record of a .jsonl.gz corpus.</summary>
internal static class DocumentInput
{
    public static string Read(string path, string? record)
    {
        if (path == "-") return Console.In.ReadToEnd();
        if (!File.Exists(path)) throw new FileNotFoundException($"Document file {path} does not exist.", path);
        if (path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
        {
            var docs = LongDocumentCorpus.Read(path);
            var chosen = record is null ? docs.FirstOrDefault()
                : int.TryParse(record, out var index) ? docs.Skip(index).FirstOrDefault()
                : docs.FirstOrDefault(d => d.Id == record);
            return chosen?.Document ?? throw new ArgumentException($"No record '{record}' in {path}.");
        }
        if (record is not null) throw new ArgumentException("--record applies only to .jsonl.gz corpora.");
        // Strict UTF-8: a binary or mis-encoded file is an error, not a summary of replacement characters.
        return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(File.ReadAllBytes(path));
    }
}
