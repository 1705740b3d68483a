using System.Globalization;
using System.Runtime.InteropServices;
using Summarizer.Grains.Diagnostics;

namespace Summarizer.Grains.Tests.Diagnostics;

/// <summary>
/// The C heap figures and the trim the silo's <c>MemoryReclaimer</c> relies on, on this platform's glibc: memory freed
/// in the middle of the heap stays resident and counted as free until a trim gives its pages back.
/// </summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void FreedHeapMemoryStaysResidentUntilATrimGivesItBack()
    {
        Assert.True(OperatingSystem.IsLinux(), "the silo's memory reclaiming is for glibc on Linux");
        // Many blocks below the mmap threshold come from the heap; keeping the last one allocated pins the heap's top,
        // so freeing the rest leaves a hole that only a trim can return (as tensors freed under load do).
        const int count = 3000, size = 48 << 10;
        var blocks = new IntPtr[count];
        var ones = Enumerable.Repeat((byte)1, size).ToArray();
        for (int i = 0; i < count; i++)
        {
            blocks[i] = Marshal.AllocHGlobal(size);
            Marshal.Copy(ones, 0, blocks[i], size); // touch every page so it is resident
        }
        try
        {
            for (int i = 0; i < count - 1; i++) Marshal.FreeHGlobal(blocks[i]);
            long beforeTrim = ResidentBytes();
            var heap = NativeHeap.Read();
            Assert.NotNull(heap);
            Assert.True(heap.FreeBytes >= (count - 1) * (long)size / 2, $"only {heap.FreeBytes} bytes free after freeing {(count - 1) * (long)size}");

            Assert.True(NativeHeap.Trim());

            long released = beforeTrim - ResidentBytes();
            Assert.True(released >= (count - 1) * (long)size / 2, $"the trim released {released} bytes of {(count - 1) * (long)size} freed");
        }
        finally
        {
            Marshal.FreeHGlobal(blocks[^1]);
        }
    }

    [Fact]
    public void AFixedMmapThresholdMapsLargerBlocksOnTheirOwnEvenAfterAHugeBlockWasFreed()
    {
        Assert.True(NativeHeap.FixMmapThreshold(256 << 10));
        // Left adaptive, glibc raises its threshold to the size of a freed mapped block, so the next large blocks would
        // come from the arenas; fixed, they stay mapped (and are unmapped, returned, when freed).
        Marshal.FreeHGlobal(Marshal.AllocHGlobal(8 << 20));
        var large = Marshal.AllocHGlobal(1 << 20);
        var small = Marshal.AllocHGlobal(64 << 10);
        try
        {
            Assert.True(IsMapped(large), "a 1 MiB block came from an arena");
            Assert.False(IsMapped(small), "a 64 KiB block was mapped on its own");
        }
        finally
        {
            Marshal.FreeHGlobal(large);
            Marshal.FreeHGlobal(small);
        }
    }

    /// <summary>glibc's chunk header, the word before the block: bit 1 (IS_MMAPPED) marks a block mapped on its own.</summary>
    private static bool IsMapped(IntPtr block) => (Marshal.ReadInt64(block, -8) & 2) != 0;

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
