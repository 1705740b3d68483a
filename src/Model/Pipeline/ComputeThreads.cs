using TorchSharp;

namespace Summarizer.Model.Pipeline;

/// <summary>
/// The number of threads libtorch's CPU kernels use for one operation. libtorch counts the machine's physical cores,
/// which in a container with a CPU limit (and for silos sharing one machine) is more than the process may use, so
/// every forward oversubscribes; .NET's processor count honours the limit, so it is the default here.
/// </summary>
public static class ComputeThreads
{
    /// <summary>The threads <paramref name="requested"/> stands for: itself, or the process's processor count when 0.</summary>
    public static int Resolve(int requested)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(requested);
        return requested == 0 ? Environment.ProcessorCount : requested;
    }

    /// <summary>
    /// Makes <paramref name="requested"/> (resolved by <see cref="Resolve"/>) libtorch's thread count and returns it.
    /// libtorch applies the count to each thread when that thread first runs a kernel, so this is called before the
    /// model loads; threads that already ran kernels keep theirs.
    /// </summary>
    public static int Use(int requested)
    {
        int threads = Resolve(requested);
        if (torch.get_num_threads() != threads) torch.set_num_threads(threads);
        return threads;
    }

    /// <summary>libtorch's thread count for a thread that has not run a kernel yet.</summary>
    public static int Current => torch.get_num_threads();
}
