namespace Summarizer.Bench;

/// <summary>One measured figure: a median over repeats, with its baseline and ratio when it is a comparison.</summary>
public sealed record BenchRecord(string Name, double Value, string Unit, IReadOnlyDictionary<string, object> Parameters,
    double? Baseline = null, double? Ratio = null);
