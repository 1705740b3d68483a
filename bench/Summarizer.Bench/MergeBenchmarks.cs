using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Summarizer.Model.Attention;
using static TorchSharp.torch;

namespace Summarizer.Bench;

/// <summary>BenchmarkDotNet micro-benchmark of the log-sum-exp merge of per-shard partials (full suite only).</summary>
public class MergeBenchmarks
{
    private Tensor? _outputs, _lses;

    /// <summary>Shards merged.</summary>
    [Params(8, 128)]
    public int Shards { get; set; }

    /// <summary>Beams (query rows).</summary>
    [Params(1, 4)]
    public int Beams { get; set; }

    /// <summary>Random partials of the bart-base shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _outputs = randn([Beams, 12, 1, Shards, 64]);
        _lses = randn([Beams, 12, 1, Shards]);
    }

    /// <summary>One merge.</summary>
    [Benchmark]
    public void Merge()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        PartialAttention.Merge(_outputs!, _lses!);
    }

    /// <summary>Frees the partials.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _outputs?.Dispose();
        _lses?.Dispose();
    }

    /// <summary>Runs the class in process and records the medians.</summary>
    public static void Run(ResultSet results)
    {
        var config = ManualConfig.CreateMinimumViable().AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
        var summary = BenchmarkRunner.Run<MergeBenchmarks>(config);
        foreach (var report in summary.Reports)
        {
            if (report.ResultStatistics is null) continue;
            var p = new Dictionary<string, object> { ["tool"] = "BenchmarkDotNet ShortRun" };
            foreach (var item in report.BenchmarkCase.Parameters.Items) p[item.Name.ToLowerInvariant()] = item.Value;
            results.Add(new Result("lse-merge", "lse_merge.us", report.ResultStatistics.Median / 1000, "µs", p));
        }
    }
}
