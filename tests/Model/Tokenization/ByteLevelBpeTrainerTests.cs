using System.Diagnostics;
using System.Text.Json;
using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

public sealed class ByteLevelBpeTrainerTests(TrainedTokenizerFixture trained) : IClassFixture<TrainedTokenizerFixture>, IDisposable
{
    private readonly string scratch = TemporaryDirectory.Create("trainer");

    public void Dispose() => TemporaryDirectory.Delete(scratch);

    [Fact]
    public void TrainingTheSameCorpusTwiceWritesByteIdenticalFiles()
    {
        var texts = trained.TrainingTexts.Take(20).ToList();
        var first = Path.Combine(scratch, "first");
        var second = Path.Combine(scratch, "second");

        ByteLevelBpeTrainer.TrainToDirectory(texts, 800, first);
        ByteLevelBpeTrainer.TrainToDirectory(texts, 800, second);

        foreach (var file in new[] { "vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(first, file)), File.ReadAllBytes(Path.Combine(second, file)));
        }
    }

    [Fact]
    public void VocabularyFollowsBartIdLayout()
    {
        using var vocabulary = JsonDocument.Parse(File.ReadAllText(Path.Combine(trained.Directory, "vocab.json")));
        var ids = vocabulary.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

        Assert.Equal(TrainedTokenizerFixture.VocabSize, ids.Count);
        Assert.Equal(Enumerable.Range(0, ids.Count), ids.Values.Order());
        Assert.Equal(0, ids["<s>"]);
        Assert.Equal(1, ids["<pad>"]);
        Assert.Equal(2, ids["</s>"]);
        Assert.Equal(3, ids["<unk>"]);
        // GPT-2's byte symbols start with the printable ones: "!" first, the space's "Ġ" among the shifted ones.
        Assert.Equal(4, ids["!"]);
        Assert.Equal(4 + 94, ids["¡"]);
        Assert.Equal(4 + 188, ids["Ā"]);
        Assert.Equal(4 + 188 + 32, ids["Ġ"]);
        Assert.Equal(ids.Count - 1, ids["<mask>"]);
    }

    [Fact]
    public void MergesFileHasVersionHeaderAndOneMergePerLineForEveryLearnedToken()
    {
        var lines = File.ReadAllText(Path.Combine(trained.Directory, "merges.txt")).Split('\n');

        Assert.Equal("#version: 0.2", lines[0]);
        Assert.Equal(string.Empty, lines[^1]);
        var merges = lines[1..^1];
        Assert.All(merges, merge => Assert.Equal(2, merge.Split(' ').Length));
        Assert.Equal(merges.Length, merges.Distinct().Count());
        Assert.True(merges.Length >= TrainedTokenizerFixture.VocabSize - 261);
        Assert.All(merges, merge => Assert.NotNull(trained.Tokenizer.TokenToId(merge.Replace(" ", string.Empty))));
    }

    [Fact]
    public void TrainsTwoMegabytesToTwoThousandTokensInSeconds()
    {
        var texts = TestCorpus.TrainingSlice(maxCharacters: 2_000_000);
        var stopwatch = Stopwatch.StartNew();

        var result = ByteLevelBpeTrainer.Train(texts, 2000);

        stopwatch.Stop();
        Assert.Equal(2000, result.Vocabulary.Count);
        // Generous bound for a slow shared CI core; typically well under this.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"training took {stopwatch.Elapsed}");
    }

    [Fact]
    public void TooSmallVocabularySizeIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ByteLevelBpeTrainer.Train(["text"], 100));
    }

    [Fact]
    public void TinyCorpusStopsWhenNoPairRepeats()
    {
        var result = ByteLevelBpeTrainer.Train(["ab ab"], 4000);

        Assert.Equal(["a b"], result.Merges);
        Assert.Equal(5 + 256 + 1, result.Vocabulary.Count);
    }
}
