using Summarizer.Model.Checkpoints;
using Summarizer.Model.Tests.TestSupport;
using TorchSharp;

namespace Summarizer.Model.Tests.Checkpoints;

public sealed class CheckpointWeightsTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void SingleFileCheckpointLoadsTensorsInTheRequestedDType()
    {
        using var weight = torch.ones(2, 3);
        SafeTensorsWriter.Write(_directory.File("model.safetensors"), [("model.shared.weight", weight)]);

        using var weights = CheckpointWeights.Open(_directory.Path);
        using var loaded = weights.Load("model.shared.weight", torch.ScalarType.BFloat16, [2, 3]);

        Assert.Equal(torch.ScalarType.BFloat16, loaded.dtype);
        Assert.Equal(["model.shared.weight"], weights.Names);
        Assert.True(weights.Contains("model.shared.weight"));
        Assert.Equal(SafeTensorDType.F32, weights.Info("model.shared.weight").DType);
    }

    [Fact]
    public void ShardedCheckpointLoadsEveryTensorFromItsShard()
    {
        using var a = torch.full(2, 1f);
        using var b = torch.full(3, 2f);
        using var c = torch.full(4, 3f);
        WriteSharded(("a", a, 1), ("b", b, 2), ("c", c, 2));

        using var weights = CheckpointWeights.Open(_directory.Path);

        Assert.Equal(["a", "b", "c"], weights.Names);
        Assert.Equal(2, weights.FilePaths.Count);
        foreach (var (name, expected) in new[] { ("a", a), ("b", b), ("c", c) })
        {
            using var loaded = weights.Load(name, torch.ScalarType.Float32);
            TensorAssert.Identical(expected, loaded);
        }

        Assert.EndsWith("model-00002-of-00002.safetensors", weights.FilePathOf("c"));
    }

    [Fact]
    public void IndexEntryPointingAtAShardWithoutTheTensorIsRejectedNamingTheIndexAndTensor()
    {
        using var a = torch.ones(1);
        SafeTensorsWriter.Write(_directory.File("model-00001-of-00001.safetensors"), [("a", a)]);
        File.WriteAllText(
            _directory.File("model.safetensors.index.json"),
            """{"metadata": {}, "weight_map": {"a": "model-00001-of-00001.safetensors", "ghost": "model-00001-of-00001.safetensors"}}""");

        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_directory.Path));

        Assert.EndsWith("model.safetensors.index.json", error.FilePath);
        Assert.Contains("ghost", error.Message);
    }

    [Fact]
    public void ShardPathsLeavingTheModelDirectoryAreRejected()
    {
        File.WriteAllText(_directory.File("model.safetensors.index.json"), """{"weight_map": {"a": "../elsewhere.safetensors"}}""");

        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_directory.Path));

        Assert.Equal("weight_map.a", error.Field);
    }

    [Fact]
    public void DirectoryWithoutWeightsNamesBothExpectedFilesAndExplainsPickleCheckpoints()
    {
        File.WriteAllText(_directory.File("pytorch_model.bin"), "not really");

        var error = Assert.Throws<CheckpointException>(() => CheckpointWeights.Open(_directory.Path));

        Assert.Equal(_directory.Path, error.FilePath);
        Assert.Contains("model.safetensors'", error.Message);
        Assert.Contains("model.safetensors.index.json", error.Message);
        Assert.Contains("pytorch_model.bin", error.Message);
        Assert.Contains("safe_serialization=True", error.Message);
    }

    [Fact]
    public void LoadingAnAbsentTensorNamesItAndTheFilesSearched()
    {
        using var a = torch.ones(1);
        SafeTensorsWriter.Write(_directory.File("model.safetensors"), [("a", a)]);
        using var weights = CheckpointWeights.Open(_directory.Path);

        var error = Assert.Throws<CheckpointException>(() => weights.Load("lm_head.weight", torch.ScalarType.Float32));

        Assert.Equal("lm_head.weight", error.Field);
        Assert.Contains("model.safetensors", error.Message);
        Assert.False(weights.Contains("lm_head.weight"));
    }

    [Fact]
    public void WrongShapeNamesTheFileTensorAndBothShapes()
    {
        using var a = torch.ones(4, 8);
        SafeTensorsWriter.Write(_directory.File("model.safetensors"), [("model.encoder.layers.0.fc1.weight", a)]);
        using var weights = CheckpointWeights.Open(_directory.Path);

        var error = Assert.Throws<CheckpointException>(
            () => weights.Load("model.encoder.layers.0.fc1.weight", torch.ScalarType.Float32, [8, 4]));

        Assert.Equal(_directory.File("model.safetensors"), error.FilePath);
        Assert.Equal("model.encoder.layers.0.fc1.weight", error.Field);
        Assert.Contains("[8, 4]", error.Message);
        Assert.Contains("[4, 8]", error.Message);
    }

    [Fact]
    public void ContentHashIgnoresShardingAndTensorOrderButSeesEveryValue()
    {
        using var a = torch.arange(0, 4, dtype: torch.ScalarType.Float32);
        using var b = torch.ones(2, 2, dtype: torch.ScalarType.Float16);
        using var changed = torch.tensor(new[] { 0f, 1f, 2f, 3.5f });

        byte[] Hash(TemporaryDirectory directory)
        {
            using var weights = CheckpointWeights.Open(directory.Path);
            return weights.ComputeContentHash();
        }

        using var single = new TemporaryDirectory();
        SafeTensorsWriter.Write(single.File("model.safetensors"), [("b", b), ("a", a)], new Dictionary<string, string> { ["format"] = "pt" });
        WriteSharded(("a", a, 1), ("b", b, 2));
        using var modified = new TemporaryDirectory();
        SafeTensorsWriter.Write(modified.File("model.safetensors"), [("a", changed), ("b", b)]);

        Assert.Equal(32, Hash(single).Length);
        Assert.Equal(Hash(single), Hash(_directory));
        Assert.NotEqual(Hash(single), Hash(modified));
    }

    private void WriteSharded(params (string Name, torch.Tensor Tensor, int Shard)[] tensors)
    {
        var shards = tensors.Max(t => t.Shard);
        var weightMap = new Dictionary<string, string>();
        for (var shard = 1; shard <= shards; shard++)
        {
            var fileName = $"model-{shard:00000}-of-{shards:00000}.safetensors";
            var inShard = tensors.Where(t => t.Shard == shard).Select(t => (t.Name, t.Tensor)).ToList();
            SafeTensorsWriter.Write(_directory.File(fileName), inShard);
            foreach (var (name, _) in inShard)
            {
                weightMap[name] = fileName;
            }
        }

        var index = new { metadata = new { total_size = 0 }, weight_map = weightMap };
        File.WriteAllText(_directory.File("model.safetensors.index.json"), System.Text.Json.JsonSerializer.Serialize(index));
    }
}
