using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;

namespace Summarizer.Model.Checkpoints;

/// <summary>
/// The weights of a model directory: a single <c>model.safetensors</c>, or shards listed in
/// <c>model.safetensors.index.json</c>. Each file is mapped once and stays mapped until disposal.
/// </summary>
public sealed class CheckpointWeights : IDisposable
{
    /// <summary>File name of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>File name of the index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly IReadOnlyList<SafeTensorsFile> _files;
    private readonly Dictionary<string, SafeTensorsFile> _fileByTensor;

    private CheckpointWeights(string directory, string sourcePath, IReadOnlyList<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> fileByTensor)
    {
        Directory = directory;
        SourcePath = sourcePath;
        _files = files;
        _fileByTensor = fileByTensor;
        Names = fileByTensor.Keys.Where(name => fileByTensor[name].Tensors.ContainsKey(name)).Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>The file the weights were found through: <c>model.safetensors</c> or the shard index.</summary>
    public string SourcePath { get; }

    /// <summary>The paths of all safetensors files in use.</summary>
    public IReadOnlyList<string> FilePaths => _files.Select(f => f.Path).ToArray();

    /// <summary>Names of all loadable tensors, in ordinal order.</summary>
    public IReadOnlyCollection<string> Names { get; }

    /// <summary>Opens the weights of the model in <paramref name="directory"/>.</summary>
    /// <exception cref="CheckpointException">No weights file exists, the index is invalid, or a file is corrupt.</exception>
    public static CheckpointWeights Open(string directory)
    {
        var fullDirectory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(fullDirectory))
        {
            throw new CheckpointException(fullDirectory, null, "the model directory does not exist.");
        }

        var singlePath = Path.Combine(fullDirectory, SingleFileName);
        if (File.Exists(singlePath))
        {
            var file = SafeTensorsFile.Open(singlePath);
            var byTensor = file.Entries.ToDictionary(e => e.Name, _ => file, StringComparer.Ordinal);
            return new CheckpointWeights(fullDirectory, singlePath, [file], byTensor);
        }

        var indexPath = Path.Combine(fullDirectory, IndexFileName);
        if (File.Exists(indexPath))
        {
            return OpenSharded(fullDirectory, indexPath);
        }

        var pickleHint = File.Exists(Path.Combine(fullDirectory, "pytorch_model.bin"))
            ? " The directory has pytorch_model.bin, a PyTorch pickle checkpoint, which is not supported"
            : " PyTorch pickle checkpoints (pytorch_model.bin) are not supported";
        throw new CheckpointException(
            fullDirectory,
            null,
            $"no weights found: expected '{SingleFileName}' or '{IndexFileName}'.{pickleHint}; convert one with Python: " +
            "AutoModelForSeq2SeqLM.from_pretrained(dir).save_pretrained(out_dir, safe_serialization=True).");
    }

    /// <summary>Whether a loadable tensor called <paramref name="name"/> exists.</summary>
    public bool Contains(string name) => _fileByTensor.TryGetValue(name, out var file) && file.Tensors.ContainsKey(name);

    /// <summary>Where and how tensor <paramref name="name"/> is stored.</summary>
    /// <exception cref="CheckpointException">The tensor is absent or cannot be loaded.</exception>
    public SafeTensorInfo Info(string name) => FileOf(name).GetLoadableInfo(name);

    /// <summary>The path of the safetensors file holding tensor <paramref name="name"/>, for messages about it.</summary>
    /// <exception cref="CheckpointException">The tensor is absent.</exception>
    public string FilePathOf(string name) => FileOf(name).Path;

    /// <summary>
    /// Loads tensor <paramref name="name"/> on the CPU as <paramref name="dtype"/>, first checking its shape
    /// against <paramref name="expectedShape"/> when one is given.
    /// </summary>
    /// <exception cref="CheckpointException">The tensor is absent, cannot be loaded, or has another shape.</exception>
    public torch.Tensor Load(string name, torch.ScalarType dtype, long[]? expectedShape = null)
    {
        var file = FileOf(name);
        var info = file.GetLoadableInfo(name);
        if (expectedShape is not null && !expectedShape.AsSpan().SequenceEqual(info.Shape))
        {
            throw new CheckpointException(
                file.Path,
                name,
                $"expected shape [{string.Join(", ", expectedShape)}] but the file holds [{string.Join(", ", info.Shape)}]; the checkpoint does not match config.json.");
        }

        return file.LoadTensor(name, dtype);
    }

    /// <summary>
    /// SHA-256 over every tensor's name, dtype, shape and stored bytes, visited in ordinal name order.
    /// It identifies the weights regardless of sharding, tensor order in the files, or header metadata.
    /// Tensors whose dtype cannot be loaded are included too, since they are part of the checkpoint.
    /// </summary>
    public byte[] ComputeContentHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData("summarizer-safetensors-content-v1\n"u8);
        Span<byte> number = stackalloc byte[8];
        foreach (var name in _fileByTensor.Keys.Order(StringComparer.Ordinal))
        {
            var file = _fileByTensor[name];
            var entry = file.GetEntry(name);
            AppendString(hash, name);
            AppendString(hash, entry.FileDType);
            BinaryPrimitives.WriteInt64LittleEndian(number, entry.Shape.Length);
            hash.AppendData(number);
            foreach (var dim in entry.Shape)
            {
                BinaryPrimitives.WriteInt64LittleEndian(number, dim);
                hash.AppendData(number);
            }

            BinaryPrimitives.WriteInt64LittleEndian(number, entry.ByteLength);
            hash.AppendData(number);
            file.HashTensorInto(name, hash);
        }

        return hash.GetHashAndReset();
    }

    /// <summary>Unmaps all files.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        // Length-prefixed so that adjacent strings cannot run into each other.
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }

    private SafeTensorsFile FileOf(string name)
    {
        if (_fileByTensor.TryGetValue(name, out var file))
        {
            return file;
        }

        var searched = string.Join(", ", _files.Select(f => Path.GetFileName(f.Path)));
        throw new CheckpointException(SourcePath, name, $"no tensor of this name in the checkpoint (searched: {searched}).");
    }

    private static CheckpointWeights OpenSharded(string directory, string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var files = new List<SafeTensorsFile>();
        try
        {
            var fileByShard = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var shard in weightMap.Values.Distinct(StringComparer.Ordinal))
            {
                var shardPath = Path.Combine(directory, shard);
                if (!File.Exists(shardPath))
                {
                    throw new CheckpointException(indexPath, "weight_map", $"shard '{shard}' is listed but does not exist at {shardPath}.");
                }

                var file = SafeTensorsFile.Open(shardPath);
                files.Add(file);
                fileByShard[shard] = file;
            }

            var fileByTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
            foreach (var file in files)
            {
                foreach (var entry in file.Entries)
                {
                    if (fileByTensor.TryGetValue(entry.Name, out var other))
                    {
                        throw new CheckpointException(file.Path, entry.Name, $"the tensor is also stored in {other.Path}.");
                    }

                    fileByTensor[entry.Name] = file;
                }
            }

            foreach (var (tensor, shard) in weightMap)
            {
                if (!fileByTensor.TryGetValue(tensor, out var holder) || holder != fileByShard[shard])
                {
                    throw new CheckpointException(indexPath, $"weight_map.{tensor}", $"the index places the tensor in '{shard}', but that shard does not contain it.");
                }
            }

            return new CheckpointWeights(directory, indexPath, files, fileByTensor);
        }
        catch
        {
            foreach (var file in files)
            {
                file.Dispose();
            }

            throw;
        }
    }

    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
        }
        catch (JsonException e)
        {
            throw new CheckpointException(indexPath, null, $"the shard index is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(indexPath, "weight_map", "the shard index lacks a 'weight_map' object.");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in map.EnumerateObject())
            {
                var shard = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : null;
                // Shards are plain file names next to the index; anything else could point outside the model.
                if (string.IsNullOrEmpty(shard) || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new CheckpointException(indexPath, $"weight_map.{item.Name}", $"must name a shard file in the same directory, found {item.Value.GetRawText()}.");
                }

                weightMap[item.Name] = shard;
            }

            if (weightMap.Count == 0)
            {
                throw new CheckpointException(indexPath, "weight_map", "the shard index lists no tensors.");
            }

            return weightMap;
        }
    }
}
