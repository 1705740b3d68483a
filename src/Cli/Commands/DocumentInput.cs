using System.Text;
using Summarizer.Model.Tokenization;

namespace Summarizer.Cli.Commands;

/// <summary>Reads the document to summarize from a file, standard input, or one record of a .jsonl.gz corpus.</summary>
internal static class DocumentInput
{
    // Strict UTF-8: a binary or mis-encoded file is an error, not a summary of replacement characters.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: true, throwOnInvalidBytes: true);

    /// <summary>The document text; throws <see cref="CliException"/> naming the input when it cannot be used.</summary>
    public static string Read(string path, string? record)
    {
        string name = path == "-" ? "standard input" : path;
        string text = path == "-" ? ReadStandardInput(record) : ReadFile(path, record);
        if (string.IsNullOrWhiteSpace(text)) throw new CliException($"The document in {name} is empty.");
        if (text.Contains('\0')) throw new CliException($"{name} contains NUL bytes: it looks binary, not text.");
        return text;
    }

    private static string ReadStandardInput(string? record)
    {
        if (record is not null) throw new CliException("--record applies only to .jsonl.gz corpora, not standard input.");
        using var buffer = new MemoryStream();
        Console.OpenStandardInput().CopyTo(buffer);
        return Decode(buffer.ToArray(), "standard input");
    }

    private static string ReadFile(string path, string? record)
    {
        if (Directory.Exists(path)) throw new CliException($"{path} is a directory, not a document file.");
        if (!File.Exists(path)) throw new CliException($"Document file {path} does not exist.");
        if (path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase)) return ReadRecord(path, record);
        if (record is not null) throw new CliException("--record applies only to .jsonl.gz corpora.");
        return Decode(File.ReadAllBytes(path), path);
    }

    private static string ReadRecord(string path, string? record)
    {
        try
        {
            var docs = LongDocumentCorpus.Read(path);
            var chosen = record is null ? docs.FirstOrDefault()
                : int.TryParse(record, out var index) ? docs.Skip(index).FirstOrDefault()
                : docs.FirstOrDefault(d => d.Id == record);
            return chosen?.Document ?? throw new CliException(record is null ? $"{path} holds no records." : $"No record '{record}' in {path}.");
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new CliException($"{path} is not a readable .jsonl.gz corpus: {e.Message}", e);
        }
    }

    private static string Decode(byte[] bytes, string name)
    {
        // A leading byte-order mark is encoding metadata, not text to summarize.
        var span = bytes.AsSpan();
        if (span.StartsWith(StrictUtf8.Preamble)) span = span[StrictUtf8.Preamble.Length..];
        try { return StrictUtf8.GetString(span); }
        catch (DecoderFallbackException) { throw new CliException($"{name} is not valid UTF-8 text."); }
    }
}
