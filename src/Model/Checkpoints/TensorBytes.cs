using TorchSharp;

namespace Summarizer.Model.Checkpoints;

/// <summary>
/// Raw byte access to the storage of contiguous CPU tensors. <see cref="torch.Tensor.bytes"/> is a
/// span and therefore limited to 2 GiB, so larger tensors are visited through flat views in chunks.
/// </summary>
internal static unsafe class TensorBytes
{
    public const long DefaultChunkBytes = 1L << 30;

    /// <summary>Copies <paramref name="length"/> bytes from <paramref name="source"/> into the storage of <paramref name="destination"/>.</summary>
    public static void CopyInto(torch.Tensor destination, byte* source, long length, long maxChunkBytes = DefaultChunkBytes)
    {
        var sourceAddress = (nint)source;
        var copied = 0L;
        VisitChunks(destination, maxChunkBytes, chunk =>
        {
            new ReadOnlySpan<byte>((byte*)sourceAddress + copied, chunk.Length).CopyTo(chunk);
            copied += chunk.Length;
        });

        if (copied != length)
        {
            throw new InvalidOperationException($"Copied {copied} bytes into a tensor expecting {length}.");
        }
    }

    /// <summary>Passes the storage of <paramref name="tensor"/> (contiguous, on the CPU) to <paramref name="visit"/> in order.</summary>
    public static void VisitChunks(torch.Tensor tensor, long maxChunkBytes, SpanVisitor visit)
    {
        var elementSize = tensor.ElementSize;
        var totalBytes = tensor.NumberOfElements * elementSize;
        if (totalBytes == 0)
        {
            return;
        }

        if (totalBytes <= Math.Min(maxChunkBytes, int.MaxValue))
        {
            visit(tensor.bytes);
            return;
        }

        var chunkElements = Math.Max(1, Math.Min(maxChunkBytes, int.MaxValue) / elementSize);
        using var flat = tensor.reshape(-1);
        for (var start = 0L; start < tensor.NumberOfElements; start += chunkElements)
        {
            var count = Math.Min(chunkElements, tensor.NumberOfElements - start);
            using var part = flat.narrow(0, start, count);
            visit(part.bytes);
        }
    }

    /// <summary>Receives one chunk of tensor storage.</summary>
    public delegate void SpanVisitor(Span<byte> chunk);
}
