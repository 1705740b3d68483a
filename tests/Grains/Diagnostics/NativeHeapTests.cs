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
    public void ThisGlibcAcceptsAFixedMmapThreshold()
    {
        // Which blocks end up mapped also depends on the free space the arenas hold (a block they can serve is not
        // mapped whatever the threshold), so with other tests allocating in this process only the setting is checked.
        Assert.True(NativeHeap.FixMmapThreshold(256 << 10));
    }

    private static long ResidentBytes()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }
}
