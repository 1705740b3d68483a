namespace Summarizer.Model.Checkpoints;

/// <summary>The safetensors element types this project can load into tensors.</summary>
public enum SafeTensorDType
{
    /// <summary>IEEE 754 single precision (safetensors "F32").</summary>
    F32,

    /// <summary>IEEE 754 half precision (safetensors "F16").</summary>
    F16,

    /// <summary>bfloat16 (safetensors "BF16").</summary>
    BF16,
}
