using System.Text.Json;
using System.Text.Json.Nodes;
using Summarizer.Model.Tokenization;

namespace Summarizer.Model.Tests.Tokenization;

public sealed class TokenizerFileFormatTests(TrainedTokenizerFixture trained) : IClassFixture<TrainedTokenizerFixture>, IDisposable
{
    private readonly string scratch = TemporaryDirectory.Create("tokenizer-json");

    public void Dispose() => TemporaryDirectory.Delete(scratch);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TokenizerJsonGivesTheSameIdsAsVocabAndMerges(bool mergesAsPairs)
    {
        WriteTokenizerJson(scratch, mergesAsPairs);

        var fromJson = BartTokenizer.Load(scratch);

        foreach (var text in TestCorpus.HeldOutDocuments(count: 2).Append(TestCorpus.UnicodeSample).Append("A <mask> and </s> here"))
        {
            Assert.Equal(trained.Tokenizer.Encode(text), fromJson.Encode(text));
        }

        Assert.Equal(trained.Tokenizer.MaskTokenId, fromJson.MaskTokenId);
        Assert.Equal(trained.Tokenizer.VocabSize, fromJson.VocabSize);
    }

    [Fact]
    public void MissingFilesErrorNamesTheDirectoryAndTheFilesLookedFor()
    {
        var error = Assert.Throws<FileNotFoundException>(() => BartTokenizer.Load(scratch));

        Assert.Contains(scratch, error.Message);
        Assert.Contains("vocab.json", error.Message);
        Assert.Contains("merges.txt", error.Message);
        Assert.Contains("tokenizer.json", error.Message);
    }

    [Fact]
    public void MalformedMergeLineErrorNamesTheFile()
    {
        File.Copy(Path.Combine(trained.Directory, "vocab.json"), Path.Combine(scratch, "vocab.json"));
        var mergesPath = Path.Combine(scratch, "merges.txt");
        File.WriteAllText(mergesPath, "#version: 0.2\nĠ t\nnot-a-pair\n");

        var error = Assert.Throws<InvalidDataException>(() => BartTokenizer.Load(scratch));

        Assert.Contains(mergesPath, error.Message);
        Assert.Contains("not-a-pair", error.Message);
    }

    [Fact]
    public void VocabularyWithoutSpecialTokensIsRejectedNamingTheDirectory()
    {
        File.WriteAllText(Path.Combine(scratch, "vocab.json"), "{\"a\": 0, \"b\": 1}");
        File.WriteAllText(Path.Combine(scratch, "merges.txt"), "#version: 0.2\na b\n");

        var error = Assert.Throws<InvalidDataException>(() => BartTokenizer.Load(scratch));

        Assert.Contains(scratch, error.Message);
        Assert.Contains("<s>", error.Message);
    }

    /// <summary>Writes a Hugging Face fast-tokenizer file equivalent to the trained vocab.json + merges.txt.</summary>
    private void WriteTokenizerJson(string directory, bool mergesAsPairs)
    {
        var vocabulary = JsonNode.Parse(File.ReadAllText(Path.Combine(trained.Directory, "vocab.json")))!.AsObject();
        var merges = new JsonArray();
        foreach (var line in File.ReadLines(Path.Combine(trained.Directory, "merges.txt")).Skip(1).Where(l => l.Length > 0))
        {
            var parts = line.Split(' ');
            merges.Add(mergesAsPairs ? new JsonArray(parts[0], parts[1]) : JsonValue.Create(line));
        }

        var added = new JsonArray();
        foreach (var (name, lstrip) in new[] { ("<s>", false), ("<pad>", false), ("</s>", false), ("<unk>", false), ("<mask>", true) })
        {
            added.Add(new JsonObject
            {
                ["id"] = vocabulary[name]!.GetValue<int>(),
                ["content"] = name,
                ["single_word"] = false,
                ["lstrip"] = lstrip,
                ["rstrip"] = false,
                ["normalized"] = false,
                ["special"] = true,
            });
        }

        var root = new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = added,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = null,
                ["vocab"] = vocabulary.DeepClone(),
                ["merges"] = merges,
            },
        };
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), root.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
    }
}
