using System.Runtime.InteropServices;

namespace Summarizer.Grains.Diagnostics;

/// <summary>
/// The C heap (glibc malloc) that libtorch allocates CPU tensors from: how much of it is in use and how much it holds
/// free without giving back to the system, and the calls that give it back. Elsewhere than glibc (musl, macOS) the
/// figures are unknown (null) and trimming does nothing.
/// </summary>
public static class NativeHeap
{
    /// <summary>The C heap's figures now, or null where they cannot be read.</summary>
    public static NativeHeapFigures? Read()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var info = mallinfo2();
            // Mapped chunks (hblkhd) are in use by definition; uordblks counts the rest in use, fordblks the free bytes kept.
            return new NativeHeapFigures((long)(info.uordblks + info.hblkhd), (long)info.fordblks, (long)info.hblkhd, (long)info.arena);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Gives the free pages of every malloc arena back to the system (<c>malloc_trim(0)</c>); true when some were.
    /// </summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return malloc_trim(0) != 0; }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
    }

    /// <summary>Caps the number of malloc arenas (<c>mallopt(M_ARENA_MAX, n)</c>) for arenas not yet created.</summary>
    public static bool LimitArenas(int arenas) => Mallopt(MArenaMax, arenas);

    /// <summary>
    /// Fixes the size from which allocations are mapped on their own (<c>mallopt(M_MMAP_THRESHOLD, bytes)</c>), which also
    /// turns off glibc's raising of it after such a block is freed.
    /// </summary>
    public static bool FixMmapThreshold(int bytes) => Mallopt(MMmapThreshold, bytes);

    /// <summary>Sets a malloc parameter where glibc is present; true when it took it.</summary>
    private static bool Mallopt(int parameter, int value)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return mallopt(parameter, value) == 1; }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException) { return false; }
    }

    private const int MArenaMax = -8, MMmapThreshold = -3;

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 mallinfo2();

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}

/// <summary>The C heap's figures.</summary>
/// <param name="InUseBytes">Bytes allocated and not freed (libtorch's tensors, among others).</param>
/// <param name="FreeBytes">Bytes freed but still held by malloc (fragmentation; given back by a trim).</param>
/// <param name="MappedBytes">Bytes in chunks malloc mapped on their own (large allocations), part of <paramref name="InUseBytes"/>.</param>
/// <param name="ArenaBytes">Bytes of the arenas' heaps (in use and free, not counting mapped chunks).</param>
public sealed record NativeHeapFigures(long InUseBytes, long FreeBytes, long MappedBytes, long ArenaBytes);
