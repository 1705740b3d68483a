using System.Buffers.Binary;
using Summarizer.Model.Checkpoints;
using Summarizer.Model.Tests.TestSupport;
using TorchSharp;

namespace Summarizer.Model.Tests.Checkpoints;

public sealed class SafeTensorsRoundTripTests
{
    [Theory]
    [InlineData(torch.ScalarType.Float32, SafeTensorDType.F32)]
    [InlineData(torch.ScalarType.Float16, SafeTensorDType.F16)]
    [InlineData(torch.ScalarType.BFloat16, SafeTensorDType.BF16)]
    public void WrittenTensorsReadBackWithEqualValuesAndTheSameDType(torch.ScalarType type, SafeTensorDType fileType)
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.safetensors");
        using var weight = torch.arange(0, 12, dtype: torch.ScalarType.Float32).reshape(3, 4).div(4).to(type);
        using var bias = torch.tensor(new[] { -1.5f, 2.25f }).to(type);

        SafeTensorsWriter.Write(path, [("layer.weight", weight), ("layer.bias", bias)]);

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(fileType, file.Tensors["layer.weight"].DType);
        Assert.Equal([3L, 4L], file.Tensors["layer.weight"].Shape);
        using var loadedWeight = file.LoadTensor("layer.weight");
        using var loadedBias = file.LoadTensor("layer.bias");
        Assert.Equal(type, loadedWeight.dtype);
        TensorAssert.Identical(weight, loadedWeight);
        TensorAssert.Identical(bias, loadedBias);
    }

    [Fact]
    public void HeaderIsPaddedToAnEightByteMultipleSoTensorDataIsAligned()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.safetensors");
        using var odd = torch.ones(3, dtype: torch.ScalarType.Float16);

        SafeTensorsWriter.Write(path, [("x", odd)], new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(path);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + 6, bytes.Length);
        Assert.EndsWith("}", System.Text.Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' '));
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.safetensors");
        using var x = torch.zeros(2);

        SafeTensorsWriter.Write(path, [("x", x)], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("ünïcode", file.Metadata["note"]);
    }

    [Fact]
    public void LoadTensorConvertsToTheRequestedDType()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.safetensors");
        using var half = torch.tensor(new[] { 0.5f, -2f }).to(torch.ScalarType.Float16);
        SafeTensorsWriter.Write(path, [("x", half)]);

        using var file = SafeTensorsFile.Open(path);
        using var loaded = file.LoadTensor("x", torch.ScalarType.Float32);

        Assert.Equal(torch.ScalarType.Float32, loaded.dtype);
        Assert.Equal([0.5f, -2f], loaded.data<float>().ToArray());
    }

    [Fact]
    public void ScalarsAndEmptyTensorsRoundTrip()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.safetensors");
        using var scalar = torch.tensor(7f);
        using var empty = torch.zeros(0, 4);
        SafeTensorsWriter.Write(path, [("scalar", scalar), ("empty", empty)]);

        using var file = SafeTensorsFile.Open(path);
        using var loadedScalar = file.LoadTensor("scalar");
        using var loadedEmpty = file.LoadTensor("empty");

        Assert.Empty(loadedScalar.shape);
        Assert.Equal(7f, loadedScalar.item<float>());
        Assert.Equal([0L, 4L], loadedEmpty.shape);
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenInLogicalOrder()
    {
        using var directory = new TemporaryDirectory();
        var path = directory.File("model.safetensors");
        using var matrix = torch.arange(0, 6, dtype: torch.ScalarType.Float32).reshape(2, 3);
        using var transposed = matrix.t();
        SafeTensorsWriter.Write(path, [("t", transposed)]);

        using var file = SafeTensorsFile.Open(path);
        using var loaded = file.LoadTensor("t");

        TensorAssert.Identical(transposed, loaded);
    }

    [Fact]
    public unsafe void CopiesLargerThanOneChunkFillTheWholeTensor()
    {
        // Real tensors above 2 GiB are copied chunk by chunk; a tiny chunk size exercises the same path.
        var source = Enumerable.Range(0, 10).Select(i => (float)i).ToArray();
        using var tensor = torch.empty(2, 5);
        fixed (float* pointer = source)
        {
            TensorBytes.CopyInto(tensor, (byte*)pointer, source.Length * sizeof(float), maxChunkBytes: 12);
        }

        Assert.Equal(source, tensor.data<float>().ToArray());
    }
}
