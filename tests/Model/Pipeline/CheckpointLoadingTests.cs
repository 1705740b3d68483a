using System.Text.Json;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Documents;
using Summarizer.Model.Pipeline;
using Summarizer.Model.Tests.TestSupport;
using Summarizer.TestSupport;
using TorchSharp;

namespace Summarizer.Model.Tests.Pipeline;

public sealed class CheckpointLoadingTests
{
    private static readonly string[] SideFiles = ["config.json", "generation_config.json", "vocab.json", "merges.txt", "special_tokens_map.json", "tokenizer_config.json"];

    private static void CopySideFiles(string from, string to)
    {
        foreach (var f in SideFiles.Where(f => File.Exists(Path.Combine(from, f))))
            File.Copy(Path.Combine(from, f), Path.Combine(to, f));
    }

    private static IReadOnlyList<int> Summarize(string dir, string text)
    {
        using var model = SummarizationModel.Load(dir);
        var shards = model.EncodeDocument("d", model.TokenizeContent(text), new ShardingOptions(128, 16));
        var ids = model.Generate(shards, new SummaryOptions { MaxNewTokens = 12, NumBeams = 2 }).SequenceIds;
        foreach (var s in shards) s.Dispose();
        return ids;
    }

    [Fact]
    public void ShardedF16CheckpointLoadsAndDecodesLikeTheSameWeightsInOneF32File()
    {
        using var sharded = new TemporaryDirectory();
        using var single = new TemporaryDirectory();
        using var source = CheckpointWeights.Open(TinyCheckpoint.Directory);
        var names = source.Names.OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var half = names.Select(n => (n, source.Load(n, torch.ScalarType.Float16))).ToArray();

        // Hugging Face's sharded layout: two safetensors files plus model.safetensors.index.json mapping names to files.
        var first = half.Take(half.Length / 2).ToList();
        var second = half.Skip(half.Length / 2).ToList();
        SafeTensorsWriter.Write(sharded.File("model-00001-of-00002.safetensors"), first, new Dictionary<string, string> { ["format"] = "pt" });
        SafeTensorsWriter.Write(sharded.File("model-00002-of-00002.safetensors"), second, new Dictionary<string, string> { ["format"] = "pt" });
        var weightMap = first.ToDictionary(t => t.n, _ => "model-00001-of-00002.safetensors")
            .Concat(second.ToDictionary(t => t.n, _ => "model-00002-of-00002.safetensors")).ToDictionary();
        File.WriteAllText(sharded.File("model.safetensors.index.json"),
            JsonSerializer.Serialize(new { metadata = new { total_size = half.Sum(t => t.Item2.NumberOfElements * 2) }, weight_map = weightMap }));
        SafeTensorsWriter.Write(single.File("model.safetensors"), half.Select(t => (t.n, t.Item2.to_type(torch.ScalarType.Float32))).ToList());
        CopySideFiles(TinyCheckpoint.Directory, sharded.Path);
        CopySideFiles(TinyCheckpoint.Directory, single.Path);

        var text = TinyCheckpoint.Document(800, 1200, "pep").Document;
        Assert.Equal(Summarize(single.Path, text), Summarize(sharded.Path, text));
    }

    [Fact]
    public void MissingOrMisshapedWeightIsReportedWithItsNameAndFile()
    {
        using var dir = new TemporaryDirectory();
        using (var source = CheckpointWeights.Open(TinyCheckpoint.Directory))
        {
            var tensors = source.Names.Where(n => n != "model.decoder.layers.1.fc2.bias")
                .Select(n => (n, n == "model.encoder.layers.0.fc1.weight" ? torch.zeros(3, 3) : source.Load(n, torch.ScalarType.Float32)))
                .ToList();
            SafeTensorsWriter.Write(dir.File("model.safetensors"), tensors);
        }
        CopySideFiles(TinyCheckpoint.Directory, dir.Path);

        var error = Assert.Throws<CheckpointException>(() => SummarizationModel.Load(dir.Path));
        Assert.Contains("model.encoder.layers.0.fc1.weight", error.Message);
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void MissingModelDirectoryOrConfigIsNamed()
    {
        var missingDir = Assert.Throws<CheckpointException>(() => SummarizationModel.Load("/no/such/model"));
        Assert.Contains("/no/such/model", missingDir.Message);
        using var empty = new TemporaryDirectory();
        var missingConfig = Assert.ThrowsAny<Exception>(() => SummarizationModel.Load(empty.Path));
        Assert.Contains("config.json", missingConfig.Message);
    }

    [Fact]
    public void RandomCheckpointIsDeterministicForASeed()
    {
        using var a = new TemporaryDirectory();
        using var b = new TemporaryDirectory();
        var corpus = Summarizer.Model.Tokenization.LongDocumentCorpus.Read(Path.Combine(TinyCheckpoint.LongDocs, "train.jsonl.gz")).Take(5).Select(d => d.Document).ToArray();

        RandomCheckpoint.Write(Path.Combine(a.Path, "m"), RandomCheckpoint.Preset.Tiny, 9, corpus);
        RandomCheckpoint.Write(Path.Combine(b.Path, "m"), RandomCheckpoint.Preset.Tiny, 9, corpus);

        foreach (var f in new[] { "model.safetensors", "config.json", "generation_config.json", "vocab.json", "merges.txt" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, "m", f)), File.ReadAllBytes(Path.Combine(b.Path, "m", f)));
    }
}

public sealed class DeviceSelectionTests
{
    [Fact]
    public void UnavailableOrUnknownDeviceIsAClearError()
    {
        if (!torch.cuda.is_available())
        {
            var cuda = Assert.Throws<InvalidOperationException>(() => SummarizationModel.Load(TinyCheckpoint.Directory, "cuda"));
            Assert.Contains("CUDA is not available", cuda.Message);
        }
        var unknown = Assert.Throws<ArgumentException>(() => SummarizationModel.Load(TinyCheckpoint.Directory, "tpu"));
        Assert.Contains("tpu", unknown.Message);
    }
}
