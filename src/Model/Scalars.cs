using TorchSharp;

namespace Summarizer.Model;

/// <summary>
/// TorchSharp scalars that stay alive for the whole native call that reads them. A <see cref="Scalar"/> made on the fly
/// holds a native handle and has a finalizer, and TorchSharp passes only the handle to libtorch: once the handle is read
/// the object is unreachable, so a garbage collection on another thread can finalize it, and free the native value,
/// while libtorch is still reading it (seen as "Expected false to be true ... toFloat" from masked_fill and add when
/// several jobs decode in one process, and possibly as a wrong value without an error). Scalars are made on the fly by
/// an implicit conversion (<c>t.masked_fill(m, -inf)</c>, <c>t.clamp(min: 0)</c>), by a tensor operator with a number
/// (<c>t * 0.5</c>, <c>1 - t</c>), and inside TorchSharp by overloads that fill in a default (the alpha of
/// <c>a + b</c>, <c>a.add(b)</c> and <c>t.add(scalar)</c>, the start and step of <c>arange(stop)</c>). Write
/// <c>a.add(b, Scalars.One)</c>, <c>arange(Scalars.Zero, stop, Scalars.One)</c> and <c>Scalars.With(x, s =&gt; t.mul(s))</c>
/// instead. Constants here are rooted for the process's life; other values go through <c>With</c>, which keeps the
/// scalar alive until the operation has returned and then frees it. <c>ScalarUsageTests</c> compiles every project and
/// fails on any expression that makes a scalar nothing roots (the methods that do are read from TorchSharp's IL).
/// </summary>
public static class Scalars
{
    /// <summary>-∞ (masked attention scores, hidden shards).</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();

    /// <summary>0 as an integer.</summary>
    public static readonly Scalar Zero = 0L.ToScalar();

    /// <summary>1 as an integer.</summary>
    public static readonly Scalar One = 1L.ToScalar();

    /// <summary>3 as an integer.</summary>
    public static readonly Scalar Three = 3L.ToScalar();

    /// <summary>0.5.</summary>
    public static readonly Scalar Half = 0.5.ToScalar();

    /// <summary>1.0.</summary>
    public static readonly Scalar OnePointZero = 1.0.ToScalar();

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as a scalar that lives until it returns.</summary>
    public static T With<T>(double value, Func<Scalar, T> operation)
    {
        using var scalar = value.ToScalar();
        return operation(scalar);
    }

    /// <summary>Runs <paramref name="operation"/> with <paramref name="value"/> as a scalar that lives until it returns.</summary>
    public static T With<T>(long value, Func<Scalar, T> operation)
    {
        using var scalar = value.ToScalar();
        return operation(scalar);
    }
}
