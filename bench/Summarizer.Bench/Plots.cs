namespace Summarizer.Bench;

/// <summary>PNG plots (ScottPlot) of result curves.</summary>
public static class Plots
{
    /// <summary>Output directory for PNGs; set by the runner.</summary>
    public static string Directory { get; set; } = ".";

    /// <summary>
    /// Plots records named <paramref name="name"/> as one line per value of <paramref name="seriesParam"/>, x from
    /// <paramref name="xParam"/>, y the value (or the ratio).
    /// </summary>
    public static void Curves(ResultSet results, string name, string xParam, string seriesParam, Func<Result, bool> filter,
        string title, string xLabel, string yLabel, string file, bool logX = false, bool logY = false, bool useRatio = false,
        bool sortX = true, bool markersOnly = false)
    {
        var rows = results.Results.Where(r => r.Name == name && filter(r)).ToList();
        if (rows.Count == 0) return;
        var plot = new ScottPlot.Plot();
        foreach (var series in rows.GroupBy(r => Convert.ToString(r.Parameters[seriesParam], System.Globalization.CultureInfo.InvariantCulture)))
        {
            var pts = series.Select(r => (X: Convert.ToDouble(r.Parameters[xParam], System.Globalization.CultureInfo.InvariantCulture), Y: useRatio ? r.Ratio ?? double.NaN : r.Value));
            if (sortX) pts = pts.OrderBy(p => p.X);
            var arr = pts.ToArray();
            double[] xs = arr.Select(p => logX ? Math.Log2(p.X) : p.X).ToArray();
            double[] ys = arr.Select(p => logY ? Math.Log10(p.Y) : p.Y).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = seriesParam + " " + series.Key;
            if (markersOnly) scatter.LineWidth = 0;
        }
        plot.Title(title);
        plot.XLabel(logX ? xLabel + " (log2)" : xLabel);
        plot.YLabel(logY ? yLabel + " (log10)" : yLabel);
        plot.ShowLegend();
        var path = Path.Combine(Directory, file);
        plot.SavePng(path, 720, 440);
        Console.WriteLine("  plot " + path);
    }
}
