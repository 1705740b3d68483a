using TorchSharp;

namespace Summarizer.Model.Checkpoints;

/// <summary>Translations between safetensors dtype names, <see cref="SafeTensorDType"/> and torch scalar types.</summary>
internal static class SafeTensorDTypes
{
    // Every dtype the safetensors format defines, with its element size in bytes. Known-but-unsupported
    // ones are still sized so a file holding them can be validated and its other tensors used.
    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    public const string SupportedList = "F32, F16, BF16";

    public static bool TryGetElementSize(string fileDType, out int size) => ElementSizes.TryGetValue(fileDType, out size);

    public static SafeTensorDType? FromFileName(string fileDType) => fileDType switch
    {
        "F32" => SafeTensorDType.F32,
        "F16" => SafeTensorDType.F16,
        "BF16" => SafeTensorDType.BF16,
        _ => null,
    };

    public static string ToFileName(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => "F32",
        SafeTensorDType.F16 => "F16",
        SafeTensorDType.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static int ElementSize(SafeTensorDType dtype) => dtype == SafeTensorDType.F32 ? 4 : 2;

    public static torch.ScalarType ToScalarType(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => torch.ScalarType.Float32,
        SafeTensorDType.F16 => torch.ScalarType.Float16,
        SafeTensorDType.BF16 => torch.ScalarType.BFloat16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static SafeTensorDType? FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => SafeTensorDType.F32,
        torch.ScalarType.Float16 => SafeTensorDType.F16,
        torch.ScalarType.BFloat16 => SafeTensorDType.BF16,
        _ => null,
    };
}
