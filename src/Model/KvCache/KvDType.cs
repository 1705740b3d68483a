using TorchSharp;

namespace Summarizer.Model.KvCache;

/// <summary>The element type a shard's K/V is stored in.</summary>
public enum KvDType : byte
{
    /// <summary>32-bit IEEE float: exact, 4 bytes an element.</summary>
    F32 = 1,

    /// <summary>16-bit IEEE half: 2 bytes an element.</summary>
    F16 = 2,

    /// <summary>bfloat16: 2 bytes an element, float32's range.</summary>
    BF16 = 3,
}

/// <summary>Conversions between <see cref="KvDType"/> and torch scalar types.</summary>
public static class KvDTypes
{
    /// <summary>Bytes of one element.</summary>
    public static int ElementSize(this KvDType dtype) => dtype == KvDType.F32 ? 4 : 2;

    /// <summary>The torch scalar type for <paramref name="dtype"/>.</summary>
    public static torch.ScalarType ToScalarType(this KvDType dtype) => dtype switch
    {
        KvDType.F32 => torch.ScalarType.Float32,
        KvDType.F16 => torch.ScalarType.Float16,
        KvDType.BF16 => torch.ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown K/V dtype."),
    };

    /// <summary>Parses "f32", "f16" or "bf16" (any case).</summary>
    public static KvDType Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "f32" or "float32" => KvDType.F32,
        "f16" or "float16" => KvDType.F16,
        "bf16" or "bfloat16" => KvDType.BF16,
        _ => throw new ArgumentException($"Unknown K/V dtype '{text}'; expected f32, f16 or bf16."),
    };
}
