using Summarizer.Model.KvCache;
using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Tests.KvCache;

public sealed class KvShardSerializerTests
{
    private static KvShard Shard(KvDType dtype) =>
        new("tenant/doc", "fp123", 3, 100, 140, dtype,
            Enumerable.Range(0, 2).Select(_ => (randn(4, 42, 8).to_type(dtype.ToScalarType()).DetachFromDisposeScope(),
                                                randn(4, 42, 8).to_type(dtype.ToScalarType()).DetachFromDisposeScope())).ToArray());

    [Theory]
    [InlineData(KvDType.F32)]
    [InlineData(KvDType.F16)]
    [InlineData(KvDType.BF16)]
    public void ShardRoundTripsThroughBytesWithEveryDtype(KvDType dtype)
    {
        using var scope = NewDisposeScope();
        using var shard = Shard(dtype);

        var bytes = KvShardSerializer.Serialize(shard);
        using var back = KvShardSerializer.Deserialize(bytes);

        Assert.Equal((shard.DocumentId, shard.ModelFingerprint, shard.Index, shard.TokenStart, shard.TokenEnd, shard.ValidLength, shard.DType),
                     (back.DocumentId, back.ModelFingerprint, back.Index, back.TokenStart, back.TokenEnd, back.ValidLength, back.DType));
        for (int l = 0; l < 2; l++)
        {
            Assert.True(shard.Layers[l].Keys.eq(back.Layers[l].Keys).all().item<bool>());
            Assert.True(shard.Layers[l].Values.eq(back.Layers[l].Values).all().item<bool>());
        }
        Assert.True(bytes.Length > shard.PayloadBytes && bytes.Length < shard.PayloadBytes + 512);
    }

    [Fact]
    public void PayloadBytesFollowTheFormulaAndBartLargeCnnShardIs48MiBAtF16()
    {
        using var scope = NewDisposeScope();
        using var shard = Shard(KvDType.F16);
        Assert.Equal(2L * 2 * 4 * 42 * 8 * 2, shard.PayloadBytes);
        Assert.Equal(48L * 1024 * 1024, KvShard.BytesPerToken(decoderLayers: 12, kvWidth: 1024, KvDType.F16) * 1024);
    }

    [Fact]
    public void CorruptPayloadIsDetectedByChecksum()
    {
        using var scope = NewDisposeScope();
        using var shard = Shard(KvDType.F32);
        var bytes = KvShardSerializer.Serialize(shard);
        bytes[^10] ^= 0x40;

        var error = Assert.Throws<InvalidDataException>(() => KvShardSerializer.Deserialize(bytes));
        Assert.Contains("checksum", error.Message);
    }

    [Fact]
    public void TruncatedOrForeignBlobsAreRejectedWithAReason()
    {
        using var scope = NewDisposeScope();
        using var shard = Shard(KvDType.F32);
        var bytes = KvShardSerializer.Serialize(shard);

        Assert.Contains("bytes", Assert.Throws<InvalidDataException>(() => KvShardSerializer.Deserialize(bytes.AsSpan(0, bytes.Length - 1))).Message);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => KvShardSerializer.Deserialize("hello world"u8)).Message);
        bytes[4] = 9;
        Assert.Contains("version", Assert.Throws<InvalidDataException>(() => KvShardSerializer.Deserialize(bytes)).Message);
    }
}
