using System.Globalization;
using System.Text.RegularExpressions;

namespace Summarizer.Silo.Tests;

/// <summary>One sample of a Prometheus text exposition: metric name, labels, value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>Parses the Prometheus text format (as <c>/metrics</c> serves it) and sums samples by name and labels.</summary>
public sealed partial class PrometheusText
{
    private PrometheusText(string text, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Samples = samples;
    }

    /// <summary>The exposition as served.</summary>
    public string Text { get; }

    /// <summary>Every sample, in order.</summary>
    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>Parses <paramref name="text"/>; a line that is neither a comment nor a sample fails the test.</summary>
    public static PrometheusText Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#')) continue;
            var m = SampleLine().Match(line);
            Assert.True(m.Success, "not a Prometheus sample line: " + line);
            var labels = LabelPair().Matches(m.Groups["labels"].Value).ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value);
            samples.Add(new PrometheusSample(m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return new PrometheusText(text, samples);
    }

    /// <summary>Samples named <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<PrometheusSample> Find(string name, params (string Key, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value));

    /// <summary>The sum of <see cref="Find"/>'s samples (0 when there are none).</summary>
    public double Sum(string name, params (string Key, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)(\s+\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
