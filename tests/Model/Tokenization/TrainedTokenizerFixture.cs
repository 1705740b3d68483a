using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

/// <summary>
/// Trains one small tokenizer per test class on a slice of the real dev corpus (or on built-in
/// text where the shared data is absent), since training is the slow part of these tests.
/// </summary>
public sealed class TrainedTokenizerFixture : IDisposable
{
    public const int VocabSize = 2000;

    public TrainedTokenizerFixture()
    {
        Directory = TemporaryDirectory.Create("trained-tokenizer");
        TrainingTexts = TestCorpus.TrainingSlice(maxCharacters: 1_000_000);
        ByteLevelBpeTrainer.TrainToDirectory(TrainingTexts, VocabSize, Directory);
        Tokenizer = BartTokenizer.Load(Directory);
    }

    public string Directory { get; }

    public IReadOnlyList<string> TrainingTexts { get; }

    public BartTokenizer Tokenizer { get; }

    public void Dispose() => TemporaryDirectory.Delete(Directory);
}
