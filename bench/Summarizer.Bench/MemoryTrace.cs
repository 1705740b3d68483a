using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Summarizer.Bench;

/// <summary>One sample of a silo process's memory.</summary>
/// <param name="Seconds">Since the trace started.</param>
/// <param name="RssBytes">Resident set (<c>VmRSS</c>).</param>
/// <param name="AnonymousBytes">Anonymous resident memory (<c>smaps_rollup</c>): heaps, not mapped files.</param>
/// <param name="ManagedBytes">GC heap in use.</param>
/// <param name="ManagedCommittedBytes">GC committed.</param>
/// <param name="NativeInUseBytes">C heap in use (libtorch tensors among them).</param>
/// <param name="NativeFreeBytes">C heap free but held.</param>
/// <param name="KvBytes">K/V cache bytes.</param>
/// <param name="Phase">"load" while clients submit, "drain" while the last jobs finish, "idle" after.</param>
public sealed record MemorySample(double Seconds, long RssBytes, long AnonymousBytes, long ManagedBytes, long ManagedCommittedBytes,
    long NativeInUseBytes, long NativeFreeBytes, long KvBytes, string Phase);

/// <summary>
/// Samples a silo's memory every few seconds from <c>/proc/PID</c> and <c>/v1/diagnostics</c>, and judges whether the
/// resident size stays flat once warmed up. Under load RSS swings by hundreds of MiB within a minute (tensors of the
/// jobs in flight, the GC between collections), so the least-squares trend of all samples is reported with its 95%
/// interval, and growth is judged on the floor: the trend of each minute's lowest RSS, which is what retained memory
/// (a leak) raises and in-flight work does not.
/// </summary>
public sealed class MemoryTrace(int processId, string baseUrl, string adminKey)
{
    /// <summary>A floor growing no faster is flat: 1 MiB a minute is 10 MiB over a 10-minute run, noise for a 1 GB process.</summary>
    public const double FlatMiBPerMinute = 1.0;

    private readonly List<MemorySample> _samples = [];
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    /// <summary>The samples so far.</summary>
    public IReadOnlyList<MemorySample> Samples => _samples;

    /// <summary>Samples every <paramref name="interval"/> until <paramref name="stop"/>, tagging them with <paramref name="phase"/>.</summary>
    public async Task RunAsync(Func<string> phase, TimeSpan interval, CancellationToken stop)
    {
        using var admin = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var silo = (await admin.GetFromJsonAsync<JsonElement>("/v1/diagnostics", CancellationToken.None)).GetProperty("silos")[0];
                long Get(string name) => silo.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;
                var (rss, anonymous) = ReadProc(processId);
                lock (_samples)
                    _samples.Add(new MemorySample(_clock.Elapsed.TotalSeconds, rss, anonymous, Get("managedBytes"), Get("managedCommittedBytes"),
                        Get("nativeInUseBytes"), Get("nativeFreeBytes"), Get("kvBytes"), phase()));
            }
            catch (HttpRequestException) { }
            catch (IOException) { }
            try { await Task.Delay(interval, stop); }
            catch (OperationCanceledException) { }
        }
    }

    /// <summary>
    /// The trend of RSS (MiB per minute) over the load samples taken after <paramref name="warmUpSeconds"/>, with the
    /// half-width of its 95% interval.
    /// </summary>
    /// <remarks>Null when fewer than three samples follow the warm-up (a window too short to judge).</remarks>
    public (double MiBPerMinute, double Interval95, MemorySample First, MemorySample Last, long MinRss, long MaxRss)? Trend(double warmUpSeconds)
    {
        var window = LoadAfter(warmUpSeconds);
        if (window.Count < 3) return null;
        var (slope, interval) = Fit(window.Select(s => (s.Seconds / 60, s.RssBytes / 1048576.0)).ToList());
        return (slope, interval, window[0], window[^1], window.Min(s => s.RssBytes), window.Max(s => s.RssBytes));
    }

    /// <summary>
    /// Each whole minute's lowest RSS (MiB) after <paramref name="warmUpSeconds"/>, and their trend in MiB per minute:
    /// the growth figure judged against <see cref="FlatMiBPerMinute"/>.
    /// </summary>
    /// <remarks>Null when fewer than three whole minutes follow the warm-up.</remarks>
    public (double MiBPerMinute, IReadOnlyList<double> Floors)? FloorTrend(double warmUpSeconds)
    {
        var window = LoadAfter(warmUpSeconds);
        var floors = window.GroupBy(s => (int)((s.Seconds - warmUpSeconds) / 60))
            .Where(g => g.Max(s => s.Seconds) - g.Min(s => s.Seconds) >= 50) // whole minutes only (5 s samples)
            .OrderBy(g => g.Key).Select(g => (Minute: (double)g.Key, Floor: g.Min(s => s.RssBytes) / 1048576.0)).ToList();
        if (floors.Count < 3) return null;
        return (Fit(floors).Slope, floors.Select(f => f.Floor).ToArray());
    }

    private List<MemorySample> LoadAfter(double warmUpSeconds) =>
        _samples.Where(s => s.Phase == "load" && s.Seconds >= warmUpSeconds).ToList();

    /// <summary>Least-squares slope of y on x, and the half-width of its 95% interval (normal approximation).</summary>
    private static (double Slope, double Interval95) Fit(IReadOnlyList<(double X, double Y)> points)
    {
        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        double slope = points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
        double residual = points.Sum(p => Math.Pow(p.Y - my - slope * (p.X - mx), 2));
        return (slope, 1.96 * Math.Sqrt(residual / Math.Max(1, points.Count - 2) / sxx));
    }

    /// <summary>The samples as CSV (MiB).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder("seconds,phase,rss_mib,anonymous_mib,managed_mib,managed_committed_mib,native_in_use_mib,native_free_mib,kv_mib\n");
        static string M(long b) => (b / 1048576.0).ToString("F1", CultureInfo.InvariantCulture);
        foreach (var s in _samples)
            csv.Append(CultureInfo.InvariantCulture, $"{s.Seconds:F0},{s.Phase},{M(s.RssBytes)},{M(s.AnonymousBytes)},{M(s.ManagedBytes)},{M(s.ManagedCommittedBytes)},{M(s.NativeInUseBytes)},{M(s.NativeFreeBytes)},{M(s.KvBytes)}\n");
        return csv.ToString();
    }

    private static (long Rss, long Anonymous) ReadProc(int pid)
    {
        static long Kb(string text, string field)
        {
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }
        var status = File.ReadAllText($"/proc/{pid}/status");
        var rollup = File.Exists($"/proc/{pid}/smaps_rollup") ? File.ReadAllText($"/proc/{pid}/smaps_rollup") : "";
        return (Kb(status, "VmRSS:"), Kb(rollup, "Anonymous:"));
    }
}
