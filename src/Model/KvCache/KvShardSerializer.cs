using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;

namespace Summarizer.Model.KvCache;

/// <summary>
/// Turns shards into bytes and back, so a K/V store can keep them in memory or in Redis. Two payload formats share
/// one layout: <c>kv</c> (a <see cref="KvShard"/>: for each decoder layer, K then V, each <c>heads × length × headDim</c>)
/// and <c>hidden</c> (a <see cref="HiddenShard"/>: <c>length × d_model</c> encoder rows).
/// Layout (little-endian): magic "SKVS", u16 format version, u32 header length, the header as UTF-8 JSON (format,
/// document, model fingerprint, index, token range, dtype, shape), the SHA-256 of the payload, then the payload.
/// The checksum makes a corrupted blob an error instead of a wrong summary.
/// </summary>
public static class KvShardSerializer
{
    /// <summary>The format version written; readers reject versions they do not know.</summary>
    public const ushort FormatVersion = 1;

    /// <summary>Header value of <see cref="KvShard"/> blobs.</summary>
    public const string KvFormat = "kv";

    /// <summary>Header value of <see cref="HiddenShard"/> blobs.</summary>
    public const string HiddenFormat = "hidden";

    private static ReadOnlySpan<byte> Magic => "SKVS"u8;

    /// <summary>Serializes a K/V shard in its own dtype.</summary>
    public static byte[] Serialize(KvShard shard) =>
        Write(new Header(KvFormat, shard.DocumentId, shard.ModelFingerprint, shard.Index, shard.TokenStart, shard.TokenEnd,
                shard.DType.ToString(), shard.Layers.Count, shard.Heads, shard.ValidLength, shard.HeadDim),
            shard.DType, shard.Layers.SelectMany(l => new[] { l.Keys, l.Values }).ToArray());

    /// <summary>Serializes a hidden-state shard in its own dtype.</summary>
    public static byte[] Serialize(HiddenShard shard) =>
        Write(new Header(HiddenFormat, shard.DocumentId, shard.ModelFingerprint, shard.Index, shard.TokenStart, shard.TokenEnd,
                shard.DType.ToString(), 1, 1, shard.ValidLength, (int)shard.Hidden.shape[1]),
            shard.DType, [shard.Hidden]);

    /// <summary>Which payload format a blob holds ("kv" or "hidden"), after checking its header.</summary>
    public static string FormatOf(ReadOnlySpan<byte> bytes) => ReadHeader(bytes, out _).Format;

    /// <summary>Reads a <c>kv</c> blob. Throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static KvShard Deserialize(ReadOnlySpan<byte> bytes)
    {
        var (header, tensors) = Read(bytes, KvFormat);
        var layers = Enumerable.Range(0, header.Layers).Select(l => (tensors[2 * l], tensors[2 * l + 1])).ToArray();
        return new KvShard(header.DocumentId, header.ModelFingerprint, header.Index, header.TokenStart, header.TokenEnd,
            Enum.Parse<KvDType>(header.DType), layers);
    }

    /// <summary>Reads a <c>hidden</c> blob. Throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static HiddenShard DeserializeHidden(ReadOnlySpan<byte> bytes)
    {
        var (header, tensors) = Read(bytes, HiddenFormat);
        return new HiddenShard(header.DocumentId, header.ModelFingerprint, header.Index, header.TokenStart, header.TokenEnd,
            Enum.Parse<KvDType>(header.DType), tensors[0]);
    }

    private static byte[] Write(Header header, KvDType dtype, IReadOnlyList<torch.Tensor> tensors)
    {
        var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header);
        long payload = tensors.Sum(t => t.NumberOfElements) * dtype.ElementSize();
        long total = 10 + headerBytes.Length + 32 + payload;
        if (total > Array.MaxLength) throw new InvalidOperationException($"Shard {header.Index} is {total} bytes, too large for one blob.");
        var bytes = new byte[total];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(6), (uint)headerBytes.Length);
        headerBytes.CopyTo(bytes, 10);
        int payloadStart = 10 + headerBytes.Length + 32, offset = payloadStart;
        foreach (var t in tensors)
        {
            using var contiguous = t.to_type(dtype.ToScalarType()).contiguous();
            var span = contiguous.bytes;
            span.CopyTo(bytes.AsSpan(offset, span.Length));
            offset += span.Length;
        }
        SHA256.HashData(bytes.AsSpan(payloadStart), bytes.AsSpan(10 + headerBytes.Length, 32));
        return bytes;
    }

    private static Header ReadHeader(ReadOnlySpan<byte> bytes, out int payloadStart)
    {
        if (bytes.Length < 10 || !bytes[..4].SequenceEqual(Magic))
            throw new InvalidDataException("K/V shard blob does not start with the 'SKVS' magic: not a shard or truncated.");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatVersion)
            throw new InvalidDataException($"K/V shard blob has format version {version}; this build reads version {FormatVersion}.");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[6..]);
        if (headerLength > bytes.Length - 42)
            throw new InvalidDataException($"K/V shard header length {headerLength} exceeds the blob ({bytes.Length} bytes).");
        Header? header;
        try { header = JsonSerializer.Deserialize<Header>(bytes.Slice(10, (int)headerLength)); }
        catch (JsonException e) { throw new InvalidDataException("K/V shard header is not valid JSON: " + e.Message); }
        if (header is null || header.Format is not (KvFormat or HiddenFormat) || !Enum.TryParse<KvDType>(header.DType, out _))
            throw new InvalidDataException("K/V shard header is missing its format or dtype.");
        payloadStart = 10 + (int)headerLength + 32;
        return header;
    }

    private static (Header Header, torch.Tensor[] Tensors) Read(ReadOnlySpan<byte> bytes, string expectedFormat)
    {
        var header = ReadHeader(bytes, out int payloadStart);
        if (header.Format != expectedFormat)
            throw new InvalidDataException($"K/V shard {header.Index} of document {header.DocumentId} holds '{header.Format}' data, not '{expectedFormat}'.");
        var dtype = Enum.Parse<KvDType>(header.DType);
        long[] shape = header.Format == KvFormat ? [header.Heads, header.ValidLength, header.HeadDim] : [header.ValidLength, header.HeadDim];
        int count = header.Format == KvFormat ? 2 * header.Layers : 1;
        long tensorBytes = shape.Aggregate(1L, (a, b) => a * b) * dtype.ElementSize();
        long expected = payloadStart + count * tensorBytes;
        if (bytes.Length != expected)
            throw new InvalidDataException($"K/V shard {header.Index} of document {header.DocumentId} is {bytes.Length} bytes; its header describes {expected}.");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes[payloadStart..], hash);
        if (!hash.SequenceEqual(bytes.Slice(payloadStart - 32, 32)))
            throw new InvalidDataException($"K/V shard {header.Index} of document {header.DocumentId} fails its checksum: the blob is corrupt.");

        var tensors = new torch.Tensor[count];
        for (int i = 0; i < count; i++)
        {
            var t = torch.empty(shape, dtype.ToScalarType());
            bytes.Slice(payloadStart + (int)(i * tensorBytes), (int)tensorBytes).CopyTo(t.bytes);
            tensors[i] = t.DetachFromDisposeScope();
        }
        return (header, tensors);
    }

    private sealed record Header(string Format, string DocumentId, string ModelFingerprint, int Index, int TokenStart, int TokenEnd,
        string DType, int Layers, int Heads, int ValidLength, int HeadDim);
}
