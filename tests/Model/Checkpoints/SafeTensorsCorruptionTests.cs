using Summarizer.Model.Checkpoints;
using Summarizer.Model.Tests.TestSupport;

namespace Summarizer.Model.Tests.Checkpoints;

public sealed class SafeTensorsCorruptionTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly string _path;

    public SafeTensorsCorruptionTests() => _path = _directory.File("model.safetensors");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void FileShorterThanTheLengthFieldIsRejectedNamingTheHeaderLength()
    {
        File.WriteAllBytes(_path, [1, 2, 3]);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "header length");
    }

    [Fact]
    public void EmptyFileIsRejected()
    {
        File.WriteAllBytes(_path, []);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "header length");
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejected()
    {
        RawSafeTensors.Write(_path, "{}", [], claimedHeaderLength: 1_000);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "header length");
        Assert.Contains("1000", error.Message);
    }

    [Fact]
    public void InvalidJsonHeaderIsRejected()
    {
        RawSafeTensors.Write(_path, "{\"x\": {\"dtype\": ", []);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "header");
        Assert.Contains("JSON", error.Message);
    }

    [Fact]
    public void DataOffsetsPastTheEndOfTheFileAreRejectedNamingTheTensor()
    {
        RawSafeTensors.Write(_path, """{"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}""", new byte[8]);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "w");
        Assert.Contains("data_offsets", error.Message);
    }

    [Fact]
    public void OverlappingTensorsAreRejectedNamingTheTensor()
    {
        RawSafeTensors.Write(
            _path,
            """{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}""",
            new byte[12]);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "b");
        Assert.Contains("overlap", error.Message);
    }

    [Fact]
    public void ByteCountThatDisagreesWithTheShapeIsRejectedNamingTheTensor()
    {
        RawSafeTensors.Write(_path, """{"w": {"dtype": "F16", "shape": [3], "data_offsets": [0, 8]}}""", new byte[8]);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "w");
        Assert.Contains("needs 6", error.Message);
    }

    [Fact]
    public void MissingDTypeFieldIsRejectedNamingTheTensorAndField()
    {
        RawSafeTensors.Write(_path, """{"w": {"shape": [1], "data_offsets": [0, 4]}}""", new byte[4]);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "w");
        Assert.Contains("dtype", error.Message);
    }

    [Fact]
    public void UnknownDTypeIsRejectedWhenOpening()
    {
        RawSafeTensors.Write(_path, """{"w": {"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 4]}}""", new byte[4]);

        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_path));

        AssertNames(error, "w");
        Assert.Contains("Q4_K", error.Message);
    }

    [Theory]
    [InlineData("I8", 1)]
    [InlineData("F64", 8)]
    public void UnsupportedDTypeIsReportedWhenLoadingThatTensorWhileOtherTensorsStayUsable(string dtype, int elementSize)
    {
        RawSafeTensors.Write(
            _path,
            $$$"""{"ids": {"dtype": "{{{dtype}}}", "shape": [2], "data_offsets": [0, {{{2 * elementSize}}}]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [{{{2 * elementSize}}}, {{{2 * elementSize + 4}}}]}}""",
            new byte[2 * elementSize + 4]);

        using var file = SafeTensorsFile.Open(_path);
        var error = Assert.Throws<CheckpointException>(() => file.LoadTensor("ids"));

        AssertNames(error, "ids");
        Assert.Contains(dtype, error.Message);
        Assert.Equal(dtype, file.UnsupportedTensors["ids"]);
        Assert.False(file.Tensors.ContainsKey("ids"));
        using var usable = file.LoadTensor("w");
        Assert.Equal(0f, usable.item<float>());
    }

    [Fact]
    public void LoadingAnAbsentTensorNamesTheFileAndTensor()
    {
        RawSafeTensors.Write(_path, """{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}""", new byte[4]);
        using var file = SafeTensorsFile.Open(_path);

        var error = Assert.Throws<CheckpointException>(() => file.LoadTensor("model.shared.weight"));

        AssertNames(error, "model.shared.weight");
    }

    [Fact]
    public void MissingFileIsRejectedNamingIt()
    {
        var error = Assert.Throws<CheckpointException>(() => SafeTensorsFile.Open(_directory.File("absent.safetensors")));

        Assert.Contains("absent.safetensors", error.Message);
    }

    private void AssertNames(CheckpointException error, string field)
    {
        Assert.Equal(_path, error.FilePath);
        Assert.Equal(field, error.Field);
        Assert.Contains(_path, error.Message);
        Assert.Contains(field, error.Message);
    }
}
