using System.Diagnostics;

namespace Summarizer.Bench;

/// <summary>Median wall time of an action after warm-up runs.</summary>
public static class Timing
{
    public static double MedianMs(Action action, int repeats, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) action();
        var samples = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            samples[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(samples);
        return repeats % 2 == 1 ? samples[repeats / 2] : (samples[repeats / 2 - 1] + samples[repeats / 2]) / 2;
    }
}
