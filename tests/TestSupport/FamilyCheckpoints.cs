using System.Collections.Concurrent;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Tokenization;

namespace Summarizer.TestSupport;

/// <summary>
/// One random checkpoint per family preset per test process (t5-tiny, flan-t5-tiny, pegasus-tiny, mbart-tiny, and the
/// BART tiny of <see cref="TinyCheckpoint"/>), written by <c>summarizer model init-random</c>'s code with tokenizers
/// trained on the shared long documents.
/// </summary>
public static class FamilyCheckpoints
{
    private static readonly ConcurrentDictionary<RandomCheckpoint.Preset, Lazy<string>> Directories = new();

    /// <summary>The preset names the family tests run over.</summary>
    public static IReadOnlyList<string> Families { get; } = ["tiny", "t5-tiny", "flan-t5-tiny", "pegasus-tiny", "mbart-tiny"];

    /// <summary>The checkpoint directory of <paramref name="presetName"/> (created on first use, deleted at process exit).</summary>
    public static string Directory(string presetName)
    {
        var preset = RandomCheckpoint.ParsePreset(presetName);
        if (preset == RandomCheckpoint.Preset.Tiny) return TinyCheckpoint.Directory;
        return Directories.GetOrAdd(preset, p => new Lazy<string>(() => Create(p))).Value;
    }

    private static string Create(RandomCheckpoint.Preset preset)
    {
        var dir = Path.Combine(Path.GetTempPath(), "summarizer-tests", $"{preset}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var corpus = LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "train.jsonl.gz")).Take(40).Select(d => d.Document);
        RandomCheckpoint.Write(dir, preset, seed: 3, corpus);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { System.IO.Directory.Delete(dir, recursive: true); } catch (IOException) { }
        };
        return dir;
    }
}
