using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Summarizer.Bench;

/// <summary>Where a measurement ran.</summary>
public sealed record MachineInfo(int Cores, string Os, string Cpu, int TorchThreads)
{
    /// <summary>Describes this machine.</summary>
    public static MachineInfo Current()
    {
        string cpu = "unknown";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return new MachineInfo(Environment.ProcessorCount, System.Runtime.InteropServices.RuntimeInformation.OSDescription, cpu,
            TorchSharp.torch.get_num_threads());
    }
}

/// <summary>One measured metric.</summary>
public sealed record Result(string Suite, string Name, double Value, string Unit, Dictionary<string, object> Parameters,
    double? Baseline = null, double? Ratio = null, string? BaselineName = null)
{
    /// <summary>The machine that measured it.</summary>
    public MachineInfo? Machine { get; set; }
}

/// <summary>All results of one run, written as <c>results.json</c>.</summary>
public sealed class ResultSet
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>When the run started (UTC).</summary>
    public DateTime Started { get; set; } = DateTime.UtcNow;

    /// <summary>Whether <c>--quick</c> was given.</summary>
    public bool Quick { get; set; }

    /// <summary>Suites run at full size although <see cref="Quick"/> is set (<c>--full</c>).</summary>
    public List<string> FullSuites { get; set; } = [];

    /// <summary>Suites that ran.</summary>
    public List<string> Suites { get; set; } = [];

    /// <summary>Wall seconds of the whole run.</summary>
    public double WallSeconds { get; set; }

    /// <summary>Suites skipped, with the reason.</summary>
    public Dictionary<string, string> Skipped { get; set; } = [];

    /// <summary>The records.</summary>
    public List<Result> Results { get; set; } = [];

    /// <summary>Adds a record stamped with this machine.</summary>
    public Result Add(Result r)
    {
        r.Machine = MachineInfo.Current();
        Results.Add(r);
        Console.WriteLine($"  {r.Name} {Fmt(r.Parameters)} = {r.Value:G5} {r.Unit}" + (r.Ratio is { } x ? $" (ratio {x:F3} vs {r.BaselineName})" : ""));
        return r;
    }

    /// <summary>Writes <c>results.json</c>.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    /// <summary>Reads <c>results.json</c>.</summary>
    public static ResultSet Load(string path) => JsonSerializer.Deserialize<ResultSet>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException(path + " is empty.");

    /// <summary>Parameters as <c>k=v</c> text.</summary>
    public static string Fmt(Dictionary<string, object> p) => string.Join(" ", p.Select(kv => $"{kv.Key}={kv.Value}"));
}

/// <summary>Stopwatch timing: warm-up, then the median of repeats.</summary>
public static class Timing
{
    /// <summary>Median milliseconds of <paramref name="repeats"/> runs of <paramref name="action"/> after <paramref name="warmup"/> untimed ones.</summary>
    public static double MedianMs(int repeats, Action action, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times[i] = sw.Elapsed.TotalMilliseconds;
        }
        return Median(times);
    }

    /// <summary>Median of values.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var v = values.OrderBy(x => x).ToArray();
        if (v.Length == 0) return double.NaN;
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>Peak resident set (VmHWM) of this process in bytes.</summary>
    public static long PeakRssBytes() => ReadStatusKb("VmHWM:") * 1024;

    /// <summary>Current resident set (VmRSS) in bytes.</summary>
    public static long RssBytes() => ReadStatusKb("VmRSS:") * 1024;

    /// <summary>Resets VmHWM to the current RSS (Linux: write 5 to clear_refs); false if not permitted.</summary>
    public static bool ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ReadStatusKb(string key)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
