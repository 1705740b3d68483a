using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp;

namespace Summarizer.Model.KvCache;

/// <summary>
/// Turns a <see cref="KvShard"/> into bytes and back, so a K/V store can keep it in memory or in Redis.
/// Layout (little-endian): magic "SKVS", u16 format version, u32 header length, the header as UTF-8 JSON (document,
/// model fingerprint, index, token range, dtype, layer/head/length/head-dim counts), the SHA-256 of the payload,
/// then the payload: for each decoder layer, K then V, each <c>heads × length × headDim</c> elements of the dtype.
/// The checksum makes a corrupted blob an error instead of a wrong summary.
/// </summary>
public static class KvShardSerializer
{
    /// <summary>The format version written; readers reject versions they do not know.</summary>
    public const ushort FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "SKVS"u8;

    /// <summary>Serializes <paramref name="shard"/>; K/V is written in the shard's own dtype.</summary>
    public static byte[] Serialize(KvShard shard)
    {
        var header = JsonSerializer.SerializeToUtf8Bytes(new Header(shard.DocumentId, shard.ModelFingerprint, shard.Index,
            shard.TokenStart, shard.TokenEnd, shard.DType.ToString(), shard.Layers.Count, shard.Heads, shard.ValidLength, shard.HeadDim));
        long tensorBytes = (long)shard.Heads * shard.ValidLength * shard.HeadDim * shard.DType.ElementSize();
        long total = 4 + 2 + 4 + header.Length + 32 + shard.PayloadBytes;
        if (total > Array.MaxLength) throw new InvalidOperationException($"Shard {shard.Index} is {total} bytes, too large for one blob.");
        var bytes = new byte[total];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(4), FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(6), (uint)header.Length);
        header.CopyTo(bytes, 10);
        int payloadStart = 10 + header.Length + 32;
        int offset = payloadStart;
        foreach (var (k, v) in shard.Layers)
        {
            foreach (var t in new[] { k, v })
            {
                using var contiguous = t.to_type(shard.DType.ToScalarType()).contiguous();
                contiguous.bytes.CopyTo(bytes.AsSpan(offset, (int)tensorBytes));
                offset += (int)tensorBytes;
            }
        }
        SHA256.HashData(bytes.AsSpan(payloadStart), bytes.AsSpan(10 + header.Length, 32));
        return bytes;
    }

    /// <summary>
    /// Reads a shard written by <see cref="Serialize"/>. Throws <see cref="InvalidDataException"/> naming what is
    /// wrong for a blob that is truncated, of an unknown version, or whose payload fails its checksum.
    /// </summary>
    public static KvShard Deserialize(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 10 || !bytes[..4].SequenceEqual(Magic))
            throw new InvalidDataException("K/V shard blob does not start with the 'SKVS' magic: not a shard or truncated.");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(bytes[4..]);
        if (version != FormatVersion)
            throw new InvalidDataException($"K/V shard blob has format version {version}; this build reads version {FormatVersion}.");
        uint headerLength = BinaryPrimitives.ReadUInt32LittleEndian(bytes[6..]);
        if (headerLength > bytes.Length - 42)
            throw new InvalidDataException($"K/V shard header length {headerLength} exceeds the blob ({bytes.Length} bytes).");
        var header = JsonSerializer.Deserialize<Header>(bytes.Slice(10, (int)headerLength))
            ?? throw new InvalidDataException("K/V shard header is empty.");
        var dtype = Enum.Parse<KvDType>(header.DType);
        long tensorBytes = (long)header.Heads * header.ValidLength * header.HeadDim * dtype.ElementSize();
        int payloadStart = 10 + (int)headerLength + 32;
        long expected = payloadStart + 2L * header.Layers * tensorBytes;
        if (bytes.Length != expected)
            throw new InvalidDataException($"K/V shard {header.Index} of document {header.DocumentId} is {bytes.Length} bytes; its header describes {expected}.");
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes[payloadStart..], hash);
        if (!hash.SequenceEqual(bytes.Slice(10 + (int)headerLength, 32)))
            throw new InvalidDataException($"K/V shard {header.Index} of document {header.DocumentId} fails its checksum: the blob is corrupt.");

        var layers = new List<(torch.Tensor, torch.Tensor)>(header.Layers);
        int offset = payloadStart;
        long[] shape = [header.Heads, header.ValidLength, header.HeadDim];
        for (int layer = 0; layer < header.Layers; layer++)
        {
            var k = torch.empty(shape, dtype.ToScalarType());
            bytes.Slice(offset, (int)tensorBytes).CopyTo(k.bytes);
            offset += (int)tensorBytes;
            var v = torch.empty(shape, dtype.ToScalarType());
            bytes.Slice(offset, (int)tensorBytes).CopyTo(v.bytes);
            offset += (int)tensorBytes;
            layers.Add((k.DetachFromDisposeScope(), v.DetachFromDisposeScope()));
        }
        return new KvShard(header.DocumentId, header.ModelFingerprint, header.Index, header.TokenStart, header.TokenEnd, dtype, layers);
    }

    private sealed record Header(string DocumentId, string ModelFingerprint, int Index, int TokenStart, int TokenEnd,
        string DType, int Layers, int Heads, int ValidLength, int HeadDim);
}
