using System.Text;
using System.Text.Json;
using TorchSharp;

namespace Summarizer.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/Summarizer.Bench -- [--suite all|attention|memory] [--quick] [--out DIR]</c>:
/// writes <c>DIR/results.json</c> (one record per metric, with the machine) and <c>DIR/results.md</c> (the table).
/// </summary>
public static class BenchRunner
{
    public static int Run(string[] args)
    {
        string suite = Value(args, "--suite") ?? "all";
        string output = Value(args, "--out") ?? "bench-results";
        bool quick = args.Contains("--quick");
        Directory.CreateDirectory(output);

        var records = new List<BenchRecord>();
        if (suite is "all" or "attention")
        {
            int[] lengths = quick ? [1024, 4096, 8192, 16384, 32768] : [1024, 4096, 8192, 16384, 32768, 65536, 131072];
            foreach (var r in CrossAttentionSuite.Run(lengths, quick ? 5 : 11)) Report(records, r);
        }
        if (suite is "all" or "memory")
            foreach (var r in MemorySuite.Run()) Report(records, r);

        var machine = new Dictionary<string, object>
        {
            ["cores"] = Environment.ProcessorCount,
            ["os"] = System.Runtime.InteropServices.RuntimeInformation.OSDescription,
            ["cpu"] = CpuModel(),
            ["torchThreads"] = torch.get_num_threads(),
            ["quick"] = quick,
        };
        var json = JsonSerializer.Serialize(new { machine, records }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        File.WriteAllText(Path.Combine(output, "results.json"), json);
        File.WriteAllText(Path.Combine(output, "results.md"), Markdown(records, machine));
        Console.WriteLine($"Wrote {records.Count} records to {Path.GetFullPath(output)}/results.json and results.md");
        return 0;
    }

    private static void Report(List<BenchRecord> records, BenchRecord r)
    {
        records.Add(r);
        string parameters = string.Join(", ", r.Parameters.Select(p => $"{p.Key}={p.Value}"));
        Console.WriteLine($"{r.Name,-45} {r.Value,12:F3} {r.Unit,-6} {(r.Ratio is { } x ? $"x{x:F2} vs baseline" : ""),-18} {parameters}");
    }

    private static string Markdown(IReadOnlyList<BenchRecord> records, IReadOnlyDictionary<string, object> machine)
    {
        var md = new StringBuilder();
        md.AppendLine($"Machine: {machine["cpu"]}, {machine["cores"]} cores, {machine["os"]}, torch threads {machine["torchThreads"]}{((bool)machine["quick"] ? ", --quick" : "")}.");
        md.AppendLine();
        md.AppendLine("| metric | parameters | value | baseline | ratio |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var r in records)
            md.AppendLine($"| {r.Name} | {string.Join(", ", r.Parameters.Select(p => $"{p.Key}={p.Value}"))} | {r.Value:F3} {r.Unit} | {(r.Baseline is { } b ? b.ToString("F3") : "")} | {(r.Ratio is { } x ? x.ToString("F2") : "")} |");
        return md.ToString();
    }

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
        catch (IOException) { return "unknown"; }
    }
}
