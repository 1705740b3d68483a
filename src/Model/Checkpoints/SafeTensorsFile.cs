using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using TorchSharp;

namespace Summarizer.Model.Checkpoints;

/// <summary>
/// A memory-mapped, fully validated <c>.safetensors</c> file. Tensor data is copied exactly once,
/// from the mapping into the storage of the tensor that <see cref="LoadTensor"/> returns.
/// </summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Largest accepted JSON header; the reference implementation uses the same bound against hostile files.</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    private const int HeaderLengthBytes = 8;

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly IReadOnlyDictionary<string, SafeTensorEntry> _entries;
    private readonly long _headerLength;
    private byte* _base;

    private SafeTensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, byte* basePointer, long fileLength)
    {
        Path = path;
        _mapping = mapping;
        _view = view;
        _base = basePointer;
        FileLength = fileLength;

        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(basePointer, HeaderLengthBytes));
        if (headerLength > (ulong)(fileLength - HeaderLengthBytes))
        {
            throw new CheckpointException(
                path,
                "header length",
                $"the header claims {headerLength} bytes, but only {fileLength - HeaderLengthBytes} follow the length field; the file is truncated or not a safetensors file.");
        }

        if (headerLength > MaxHeaderBytes)
        {
            throw new CheckpointException(path, "header length", $"the header claims {headerLength} bytes, more than the {MaxHeaderBytes} accepted.");
        }

        _headerLength = (long)headerLength;
        var header = SafeTensorsHeader.Parse(
            new ReadOnlySpan<byte>(basePointer + HeaderLengthBytes, (int)_headerLength),
            HeaderLengthBytes + _headerLength,
            fileLength,
            path);

        _entries = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Entries = header.Entries;
        Metadata = header.Metadata;
        Tensors = header.Entries
            .Select(e => e.ToInfo())
            .OfType<SafeTensorInfo>()
            .ToDictionary(info => info.Name, StringComparer.Ordinal);
        UnsupportedTensors = header.Entries
            .Where(e => e.DType is null)
            .ToDictionary(e => e.Name, e => e.FileDType, StringComparer.Ordinal);
    }

    /// <summary>The path the file was opened from.</summary>
    public string Path { get; }

    /// <summary>Total size of the file in bytes.</summary>
    public long FileLength { get; }

    /// <summary>The tensors that can be loaded (dtype F32, F16 or BF16), by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>
    /// Tensors present in the file whose dtype cannot be loaded, mapped to that dtype (for example "I64").
    /// They do not prevent using the rest of the file; loading one fails with a message naming the dtype.
    /// </summary>
    public IReadOnlyDictionary<string, string> UnsupportedTensors { get; }

    /// <summary>The free-form string metadata from the header's <c>__metadata__</c> entry; empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    internal IReadOnlyList<SafeTensorEntry> Entries { get; }

    /// <summary>Opens, maps and validates the safetensors file at <paramref name="path"/>.</summary>
    /// <exception cref="CheckpointException">The file is missing, truncated or its header is invalid.</exception>
    public static SafeTensorsFile Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        FileStream stream;
        try
        {
            stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException(fullPath, null, $"cannot open the safetensors file: {e.Message}", e);
        }

        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        byte* basePointer = null;
        try
        {
            var length = stream.Length;
            if (length < HeaderLengthBytes)
            {
                throw new CheckpointException(
                    fullPath,
                    "header length",
                    $"the file has {length} bytes, fewer than the {HeaderLengthBytes}-byte header length; it is truncated or not a safetensors file.");
            }

            mapping = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
            basePointer += view.PointerOffset;
            return new SafeTensorsFile(fullPath, mapping, view, basePointer, length);
        }
        catch
        {
            if (basePointer != null)
            {
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            }

            view?.Dispose();
            mapping?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads tensor <paramref name="name"/> onto the CPU in the file's dtype, or converted to <paramref name="dtype"/> when given.
    /// </summary>
    /// <exception cref="CheckpointException">The tensor is absent or its dtype cannot be loaded.</exception>
    public torch.Tensor LoadTensor(string name, torch.ScalarType? dtype = null)
    {
        var info = GetLoadableInfo(name);
        var fileType = SafeTensorDTypes.ToScalarType(info.DType);
        var tensor = torch.empty(info.Shape, dtype: fileType, device: torch.CPU);
        try
        {
            TensorBytes.CopyInto(tensor, RequireBase() + info.DataOffset, info.ByteLength);
            if (dtype is { } wanted && wanted != fileType)
            {
                var converted = tensor.to(wanted);
                tensor.Dispose();
                return converted;
            }

            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Feeds the raw bytes of the file — header and all tensor data — to <paramref name="hash"/>,
    /// streaming from the mapping.
    /// </summary>
    public void HashInto(IncrementalHash hash) => HashRange(hash, 0, FileLength);

    /// <summary>Feeds the raw stored bytes of tensor <paramref name="name"/> (loadable or not) to <paramref name="hash"/>.</summary>
    /// <exception cref="CheckpointException">The tensor is absent.</exception>
    public void HashTensorInto(string name, IncrementalHash hash)
    {
        var entry = GetEntry(name);
        HashRange(hash, entry.DataOffset, entry.ByteLength);
    }

    /// <summary>Unmaps the file. Tensors already loaded stay valid; they own their storage.</summary>
    public void Dispose()
    {
        if (_base == null)
        {
            return;
        }

        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    internal SafeTensorInfo GetLoadableInfo(string name)
    {
        var entry = GetEntry(name);
        return entry.ToInfo() ?? throw new CheckpointException(
            Path,
            name,
            $"has dtype {entry.FileDType}, which cannot be loaded (supported: {SafeTensorDTypes.SupportedList}).");
    }

    internal SafeTensorEntry GetEntry(string name) =>
        _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new CheckpointException(Path, name, "no tensor of this name is in the file.");

    private void HashRange(IncrementalHash hash, long offset, long length)
    {
        var start = RequireBase() + offset;
        const int chunk = 1 << 24;
        for (var done = 0L; done < length; done += chunk)
        {
            hash.AppendData(new ReadOnlySpan<byte>(start + done, (int)Math.Min(chunk, length - done)));
        }
    }

    private byte* RequireBase()
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base;
    }
}
