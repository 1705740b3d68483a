using TorchSharp;
using static TorchSharp.torch;

namespace Summarizer.Model.Bart;

/// <summary>Additive attention masks: 0 where attention is allowed, the dtype's lowest value where it is not (as HF does).</summary>
internal static class AttentionMasks
{
    /// <summary>From a <c>[batch, len]</c> 1/0 mask to <c>[batch, 1, 1, len]</c>, so padded keys get no weight.</summary>
    public static Tensor Padding(Tensor attentionMask, ScalarType dtype)
    {
        var blocked = attentionMask.eq(Scalars.Zero).unsqueeze(1).unsqueeze(1);
        return zeros(blocked.shape, dtype, device: attentionMask.device).masked_fill(blocked, Lowest(dtype));
    }

    /// <summary><c>[steps, past+steps]</c>: step i sees the cached prefix and steps up to i.</summary>
    public static Tensor Causal(long steps, long past, ScalarType dtype, Device device)
    {
        var future = ones(steps, past + steps, ScalarType.Bool, device: device).triu(past + 1);
        return zeros(steps, past + steps, dtype, device: device).masked_fill(future, Lowest(dtype));
    }

    private static readonly Scalar LowestFloat16 = MinValue(ScalarType.Float16).ToScalar();
    private static readonly Scalar LowestBFloat16 = MinValue(ScalarType.BFloat16).ToScalar();
    private static readonly Scalar LowestFloat64 = MinValue(ScalarType.Float64).ToScalar();
    private static readonly Scalar LowestFloat32 = MinValue(ScalarType.Float32).ToScalar();

    /// <summary><see cref="MinValue"/> as a scalar that lives for the process (see <see cref="Scalars"/>).</summary>
    private static Scalar Lowest(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => LowestFloat16,
        ScalarType.BFloat16 => LowestBFloat16,
        ScalarType.Float64 => LowestFloat64,
        _ => LowestFloat32,
    };

    public static double MinValue(ScalarType dtype) => dtype switch
    {
        ScalarType.Float16 => -65504.0,
        ScalarType.BFloat16 => -3.3895313892515355e38,
        ScalarType.Float64 => double.MinValue,
        _ => float.MinValue,
    };
}
