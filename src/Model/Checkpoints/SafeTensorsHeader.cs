using System.Text.Json;

namespace Summarizer.Model.Checkpoints;

/// <summary>The validated JSON header of a safetensors file.</summary>
internal sealed class SafeTensorsHeader
{
    public const string MetadataKey = "__metadata__";

    private SafeTensorsHeader(IReadOnlyList<SafeTensorEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>Entries in header order, with absolute file offsets.</summary>
    public IReadOnlyList<SafeTensorEntry> Entries { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Parses <paramref name="json"/> and checks that the entries tile the data region exactly
    /// (no overlap, no gap, nothing past the end), as the safetensors format requires.
    /// </summary>
    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long dataStart, long fileLength, string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException e)
        {
            throw new CheckpointException(path, "header", $"the JSON header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException(path, "header", $"the JSON header must be an object, found {document.RootElement.ValueKind}.");
            }

            var entries = new List<SafeTensorEntry>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw new CheckpointException(path, property.Name, "appears more than once in the header.");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(property.Value, path);
                }
                else
                {
                    entries.Add(ParseEntry(property.Name, property.Value, dataStart, path));
                }
            }

            CheckDataRegionTiling(entries, dataStart, fileLength, path);
            return new SafeTensorsHeader(entries, metadata);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, MetadataKey, $"must be an object of strings, found {value.ValueKind}.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new CheckpointException(path, $"{MetadataKey}.{item.Name}", $"metadata values must be strings, found {item.Value.ValueKind}.");
            }

            metadata[item.Name] = item.Value.GetString()!;
        }

        return metadata;
    }

    private static SafeTensorEntry ParseEntry(string name, JsonElement value, long dataStart, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException(path, name, $"the header entry must be an object, found {value.ValueKind}.");
        }

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new CheckpointException(path, name, "the header entry lacks a string 'dtype'.");
        }

        var dtype = dtypeElement.GetString()!;
        if (!SafeTensorDTypes.TryGetElementSize(dtype, out var elementSize))
        {
            throw new CheckpointException(path, name, $"dtype '{dtype}' is not a safetensors dtype.");
        }

        var shape = ReadNonNegativeIntegers(value, "shape", name, path, expectedCount: null);
        var offsets = ReadNonNegativeIntegers(value, "data_offsets", name, path, expectedCount: 2);
        if (offsets[1] < offsets[0])
        {
            throw new CheckpointException(path, name, $"data_offsets [{offsets[0]}, {offsets[1]}] end before they begin.");
        }

        long expectedBytes;
        try
        {
            expectedBytes = checked(shape.Aggregate(1L, (product, dim) => product * dim) * elementSize);
        }
        catch (OverflowException e)
        {
            throw new CheckpointException(path, name, $"shape [{string.Join(", ", shape)}] is too large.", e);
        }

        var byteLength = offsets[1] - offsets[0];
        if (byteLength != expectedBytes)
        {
            throw new CheckpointException(
                path,
                name,
                $"data_offsets [{offsets[0]}, {offsets[1]}] span {byteLength} bytes, but shape [{string.Join(", ", shape)}] of {dtype} needs {expectedBytes}.");
        }

        return new SafeTensorEntry(name, dtype, shape, dataStart + offsets[0], byteLength);
    }

    private static long[] ReadNonNegativeIntegers(JsonElement entry, string field, string name, string path, int? expectedCount)
    {
        if (!entry.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new CheckpointException(path, name, $"the header entry lacks an array '{field}'.");
        }

        var values = new List<long>();
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
            {
                throw new CheckpointException(path, name, $"'{field}' must hold non-negative integers, found {item.GetRawText()}.");
            }

            values.Add(number);
        }

        if (expectedCount is { } count && values.Count != count)
        {
            throw new CheckpointException(path, name, $"'{field}' must hold {count} integers, found {values.Count}.");
        }

        return values.ToArray();
    }

    private static void CheckDataRegionTiling(List<SafeTensorEntry> entries, long dataStart, long fileLength, string path)
    {
        var dataLength = fileLength - dataStart;
        var expectedBegin = dataStart;
        foreach (var entry in entries.OrderBy(e => e.DataOffset).ThenBy(e => e.ByteLength))
        {
            var relativeBegin = entry.DataOffset - dataStart;
            var relativeEnd = relativeBegin + entry.ByteLength;
            if (relativeEnd > dataLength)
            {
                throw new CheckpointException(
                    path,
                    entry.Name,
                    $"data_offsets [{relativeBegin}, {relativeEnd}] reach past the end of the data region ({dataLength} bytes); the file is truncated or the header is wrong.");
            }

            if (entry.DataOffset < expectedBegin)
            {
                throw new CheckpointException(
                    path,
                    entry.Name,
                    $"data_offsets [{relativeBegin}, {relativeEnd}] overlap the previous tensor, which ends at {expectedBegin - dataStart}.");
            }

            if (entry.DataOffset > expectedBegin)
            {
                throw new CheckpointException(
                    path,
                    entry.Name,
                    $"data_offsets [{relativeBegin}, {relativeEnd}] leave a gap after offset {expectedBegin - dataStart}; safetensors data must be contiguous.");
            }

            expectedBegin = entry.DataOffset + entry.ByteLength;
        }

        if (expectedBegin != fileLength)
        {
            throw new CheckpointException(
                path,
                "data_offsets",
                $"the tensors cover {expectedBegin - dataStart} bytes of data, but the file holds {dataLength}; the file has trailing bytes or the header is wrong.");
        }
    }
}
