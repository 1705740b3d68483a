using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;

namespace Summarizer.Model.Checkpoints;

/// <summary>Writes tensors in the safetensors layout that Hugging Face tools read and write.</summary>
public static class SafeTensorsWriter
{
    private const int HeaderAlignment = 8;

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> in the given order: 8-byte little-endian
    /// header length, JSON header padded with spaces to a multiple of 8 bytes, then each tensor's data
    /// contiguously. The file is written beside the target and moved into place, so readers never see half a file.
    /// </summary>
    /// <exception cref="CheckpointException">A name is empty, repeated or reserved, or a tensor's dtype is not F32, F16 or BF16.</exception>
    public static void Write(
        string path,
        IReadOnlyList<(string Name, torch.Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var fullPath = Path.GetFullPath(path);
        var header = BuildHeader(fullPath, tensors, metadata);
        var temporaryPath = fullPath + ".tmp";
        try
        {
            using (var stream = new FileStream(temporaryPath, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var (_, tensor) in tensors)
                {
                    WriteData(stream, tensor);
                }
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporaryPath);
            throw;
        }
    }

    private static byte[] BuildHeader(
        string path,
        IReadOnlyList<(string Name, torch.Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafeTensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var offset = 0L;
            foreach (var (name, tensor) in tensors)
            {
                if (string.IsNullOrEmpty(name) || name == SafeTensorsHeader.MetadataKey || !names.Add(name))
                {
                    throw new CheckpointException(path, name, "tensor names must be non-empty, unique and not __metadata__.");
                }

                var dtype = SafeTensorDTypes.FromScalarType(tensor.dtype) ?? throw new CheckpointException(
                    path,
                    name,
                    $"has dtype {tensor.dtype}; only float32, float16 and bfloat16 tensors can be written.");

                var byteLength = tensor.NumberOfElements * tensor.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", SafeTensorDTypes.ToFileName(dtype));
                json.WriteStartArray("shape");
                foreach (var dim in tensor.shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + byteLength);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += byteLength;
            }

            json.WriteEndObject();
        }

        // Readers may map tensor data directly; padding keeps the data region 8-byte aligned.
        var padded = (buffer.Length + HeaderAlignment - 1) / HeaderAlignment * HeaderAlignment;
        while (buffer.Length < padded)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void WriteData(Stream stream, torch.Tensor tensor)
    {
        using var cpu = tensor.device_type == DeviceType.CPU ? tensor.alias() : tensor.cpu();
        using var contiguous = cpu.contiguous();
        TensorBytes.VisitChunks(contiguous, TensorBytes.DefaultChunkBytes, chunk => stream.Write(chunk));
    }
}
