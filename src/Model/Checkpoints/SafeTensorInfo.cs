namespace Summarizer.Model.Checkpoints;

/// <summary>Where one loadable tensor lives inside a safetensors file.</summary>
/// <param name="Name">The tensor name as written in the header.</param>
/// <param name="DType">The element type stored in the file.</param>
/// <param name="Shape">The tensor shape; empty for a scalar.</param>
/// <param name="DataOffset">Absolute byte offset of the first element within the file.</param>
/// <param name="ByteLength">Number of data bytes: product of <paramref name="Shape"/> times the element size.</param>
public sealed record SafeTensorInfo(string Name, SafeTensorDType DType, long[] Shape, long DataOffset, long ByteLength);
