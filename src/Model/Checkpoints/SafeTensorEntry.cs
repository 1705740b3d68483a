namespace Summarizer.Model.Checkpoints;

/// <summary>
/// One header entry as found in the file, including tensors whose dtype cannot be loaded, so that
/// offsets of every tensor are validated and content hashes cover the whole file.
/// </summary>
internal sealed record SafeTensorEntry(string Name, string FileDType, long[] Shape, long DataOffset, long ByteLength)
{
    public SafeTensorDType? DType => SafeTensorDTypes.FromFileName(FileDType);

    public SafeTensorInfo? ToInfo() =>
        DType is { } dtype ? new SafeTensorInfo(Name, dtype, Shape, DataOffset, ByteLength) : null;
}
