using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

/// <summary>Texts for tokenizer tests: the shared dev corpus when present, otherwise built-in samples.</summary>
internal static class TestCorpus
{
    public static readonly string UnicodeSample =
        "Café naïve façade — déjà vu. Ünïcödé: 東京は日本の首都です。 中文分词测试。 한국어 텍스트. " +
        "Emoji: 😀🚀👩‍💻 🇫🇷 ✔️. Math: ∑ x² ≤ ∞. Combining: e\u0301. Arabic: مرحبا. Zero width:\u200b.";

    public static readonly string WhitespaceSample = "  leading spaces\n\n\ttabs\t\tand   runs   of spaces   \r\n trailing  \n\n";

    private static readonly string BuiltInText =
        "Grad A: OK, we're on. So just make sure that your wireless mike is on, if you're wearing a wireless.\n" +
        "The committee discussed the budget for the new project, and the members agreed to meet again next week.\n" +
        "This RFC proposes a new syntax for async closures in Rust, motivated by ergonomic concerns.\n";

    public static string? DevPath()
    {
        var directory = LongDocumentCorpus.FindDirectory(AppContext.BaseDirectory);
        var path = directory is null ? null : Path.Combine(directory, "dev.jsonl.gz");
        return path is not null && File.Exists(path) ? path : null;
    }

    /// <summary>Documents from the start of dev.jsonl.gz, up to about <paramref name="maxCharacters"/>.</summary>
    public static IReadOnlyList<string> TrainingSlice(int maxCharacters)
    {
        var texts = new List<string> { UnicodeSample, WhitespaceSample };
        var path = DevPath();
        if (path is null)
        {
            texts.AddRange(Enumerable.Repeat(BuiltInText, 50));
            return texts;
        }

        int total = 0;
        // Skip the long meeting transcripts at the start so the slice mixes sources.
        foreach (var record in LongDocumentCorpus.Read(path).Where((_, index) => index % 7 == 0))
        {
            texts.Add(record.Document);
            total += record.Document.Length;
            if (total >= maxCharacters)
            {
                break;
            }
        }

        return texts;
    }

    /// <summary>Documents not used for training, for round-trip checks.</summary>
    public static IReadOnlyList<string> HeldOutDocuments(int count)
    {
        var path = DevPath();
        if (path is null)
        {
            return [BuiltInText];
        }

        return LongDocumentCorpus.Read(path).Where((_, index) => index % 7 == 3).Take(count).Select(r => r.Document).ToList();
    }
}
