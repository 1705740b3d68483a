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

    /// <summary>One bar per record named <paramref name="name"/>, labelled by <paramref name="labelParam"/>, in record order.</summary>
    public static void Bars(ResultSet results, string name, string labelParam, string title, string yLabel, string file,
        (double Y, string Label)? line = null)
    {
        var rows = results.Results.Where(r => r.Name == name).ToList();
        if (rows.Count == 0) return;
        var plot = new ScottPlot.Plot();
        var bars = plot.Add.Bars(rows.Select(r => r.Value).ToArray());
        for (int i = 0; i < rows.Count; i++)
            bars.Bars[i].Label = rows[i].Value.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)
                + (rows[i].Ratio is { } x ? $" ({x:F2}×)" : "");
        bars.ValueLabelStyle.FontSize = 14;
        var ticks = rows.Select((r, i) => new ScottPlot.Tick(i, Convert.ToString(r.Parameters[labelParam], System.Globalization.CultureInfo.InvariantCulture) ?? "")).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Margins(bottom: 0, top: 0.2);
        if (line is { } l)
        {
            var h = plot.Add.HorizontalLine(l.Y);
            h.LinePattern = ScottPlot.LinePattern.Dashed;
            h.LegendText = l.Label;
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        }
        plot.Title(title);
        plot.YLabel(yLabel);
        var path = Path.Combine(Directory, file);
        plot.SavePng(path, 720, 440);
        Console.WriteLine("  plot " + path);
    }
}
