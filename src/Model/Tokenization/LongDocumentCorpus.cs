using System.IO.Compression;
using System.Text.Json;

namespace Summarizer.Model.Tokenization;

/// <summary>
/// Reads the shared long-docs corpus (<c>shared/data/long-docs/*.jsonl.gz</c>: gzip-compressed JSON
/// lines with id, source, split, words, document, summary).
/// </summary>
public static class LongDocumentCorpus
{
    /// <summary>The corpus location relative to the directory that holds <c>shared/</c>.</summary>
    public static readonly string RelativeDirectory = Path.Combine("shared", "data", "long-docs");

    /// <summary>
    /// Streams the records of a <c>.jsonl.gz</c> file in file order; blank lines are ignored.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a JSON object with the expected fields.</exception>
    public static IEnumerable<LongDocument> Read(string jsonlGzPath)
    {
        ArgumentNullException.ThrowIfNull(jsonlGzPath);
        if (!File.Exists(jsonlGzPath))
        {
            throw new FileNotFoundException($"Long-document corpus file '{jsonlGzPath}' does not exist.", jsonlGzPath);
        }

        return ReadExisting(jsonlGzPath);
    }

    /// <summary>
    /// Finds <c>shared/data/long-docs</c> in <paramref name="startDirectory"/> or any ancestor
    /// (the repository root's parent holds <c>shared/</c>); null when there is none.
    /// </summary>
    public static string? FindDirectory(string startDirectory)
    {
        ArgumentNullException.ThrowIfNull(startDirectory);
        for (var directory = new DirectoryInfo(Path.GetFullPath(startDirectory)); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, RelativeDirectory);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // Separate iterator so argument and existence checks run at the call, not at first MoveNext.
    private static IEnumerable<LongDocument> ReadExisting(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            yield return ParseRecord(line, path, lineNumber);
        }
    }

    private static LongDocument ParseRecord(string line, string path, int lineNumber)
    {
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            return new LongDocument(
                Id: RequiredString(root, "id"),
                Source: RequiredString(root, "source"),
                Split: RequiredString(root, "split"),
                Words: root.TryGetProperty("words", out var words) && words.TryGetInt32(out int count) ? count : throw new InvalidDataException("\"words\" is missing or not an integer"),
                Document: RequiredString(root, "document"),
                Summary: RequiredString(root, "summary"));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{path}' line {lineNumber}: {e.Message}", e);
        }
    }

    private static string RequiredString(JsonElement record, string property) =>
        record.ValueKind == JsonValueKind.Object && record.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"\"{property}\" is missing or not a string");
}
