using System.Diagnostics;

namespace Summarizer.Model.Tokenization.SentencePiece;

/// <summary>
/// Trains a real SentencePiece model with <c>spm_train</c> (Debian's <c>sentencepiece</c> package), single-threaded so
/// the same corpus gives the same model on every machine.
/// </summary>
public static class SentencePieceTrainer
{
    /// <summary>Special piece ids: -1 leaves the piece out, as T5 leaves out BOS.</summary>
    /// <param name="Unk">unk_id.</param>
    /// <param name="Bos">bos_id.</param>
    /// <param name="Eos">eos_id.</param>
    /// <param name="Pad">pad_id.</param>
    public sealed record SpecialIds(int Unk, int Bos, int Eos, int Pad);

    /// <summary>Trains a model of <paramref name="vocabSize"/> pieces on <paramref name="texts"/> and writes it to <paramref name="modelPath"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>spm_train</c> is missing or failed; the message says how to install it or what it printed.</exception>
    public static void Train(IEnumerable<string> texts, string modelPath, int vocabSize, bool bpe, SpecialIds ids, bool byteFallback = false, double characterCoverage = 0.9995)
    {
        var work = Path.Combine(Path.GetTempPath(), "spm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var corpus = Path.Combine(work, "corpus.txt");
            File.WriteAllLines(corpus, texts.SelectMany(t => t.Split('\n')).Select(l => l.Trim()).Where(l => l.Length > 0));
            var prefix = Path.Combine(work, "model");
            var arguments = new[]
            {
                // Relative paths: spm_train records them in the model, which must not depend on where it was trained.
                "--input=corpus.txt", "--model_prefix=model", $"--vocab_size={vocabSize}", $"--model_type={(bpe ? "bpe" : "unigram")}",
                $"--unk_id={ids.Unk}", $"--bos_id={ids.Bos}", $"--eos_id={ids.Eos}", $"--pad_id={ids.Pad}",
                "--num_threads=1", "--input_sentence_size=0", "--shuffle_input_sentence=false", "--max_sentence_length=65536",
                $"--character_coverage={characterCoverage.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "--hard_vocab_limit=false", $"--byte_fallback={(byteFallback ? "true" : "false")}",
            };
            var start = new ProcessStartInfo("spm_train") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false, WorkingDirectory = work };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new InvalidOperationException("spm_train did not start.");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new InvalidOperationException("spm_train was not found: install Debian's 'sentencepiece' package (apt-get install -y sentencepiece).", e);
            }
            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                if (process.ExitCode != 0)
                    throw new InvalidOperationException($"spm_train failed (exit {process.ExitCode}): {string.Join('\n', stderr.Result.Split('\n').TakeLast(5))}");
            }
            File.Copy(prefix + ".model", modelPath, overwrite: true);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
