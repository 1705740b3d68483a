using System.Collections;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Trace;

namespace Summarizer.Silo.Tests;

/// <summary>A log record as exported, copied at export (OpenTelemetry reuses its records): trace, scopes, message.</summary>
public sealed record ExportedLog(ActivityTraceId TraceId, string Category, string? Message, IReadOnlyDictionary<string, object?> Scopes);

/// <summary>
/// The spans and log records an app exports, collected in memory through OpenTelemetry's own pipeline (the app's
/// sources, sampler and propagation; only the exporter is the test's).
/// </summary>
public sealed class TelemetryCollector
{
    private readonly LockedList<Activity> _spans = new();
    private readonly LockedList<ExportedLog> _logs = new();

    /// <summary>Spans ended so far.</summary>
    public IReadOnlyList<Activity> Spans => _spans.Snapshot();

    /// <summary>Log records exported so far.</summary>
    public IReadOnlyList<ExportedLog> Logs => _logs.Snapshot();

    /// <summary>Adds the in-memory exporters to the app being built.</summary>
    public void AddTo(WebApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithTracing(t => t.AddInMemoryExporter(_spans))
            .WithLogging(l => l.AddProcessor(new CopyingProcessor(_logs)), o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
            });
    }

    /// <summary>Waits until a span satisfies <paramref name="match"/> (spans are exported as they end).</summary>
    public async Task<Activity> WaitForSpanAsync(Func<Activity, bool> match, string what)
    {
        for (int i = 0; i < 300; i++)
        {
            if (Spans.FirstOrDefault(match) is { } found) return found;
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"no span {what} was exported; spans: {string.Join(", ", Spans.Select(s => s.DisplayName))}");
    }

    private sealed class CopyingProcessor(LockedList<ExportedLog> logs) : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            var scopes = new Dictionary<string, object?>();
            data.ForEachScope((scope, state) =>
            {
                foreach (var pair in scope) state[pair.Key] = pair.Value;
            }, scopes);
            logs.Add(new ExportedLog(data.TraceId, data.CategoryName ?? "", data.FormattedMessage ?? data.Body, scopes));
        }
    }

    /// <summary>A collection the exporters may add to from any thread.</summary>
    private sealed class LockedList<T> : ICollection<T>
    {
        private readonly List<T> _items = [];

        public int Count { get { lock (_items) return _items.Count; } }

        public bool IsReadOnly => false;

        public IReadOnlyList<T> Snapshot() { lock (_items) return _items.ToArray(); }

        public void Add(T item) { lock (_items) _items.Add(item); }

        public void Clear() { lock (_items) _items.Clear(); }

        public bool Contains(T item) { lock (_items) return _items.Contains(item); }

        public void CopyTo(T[] array, int arrayIndex) { lock (_items) _items.CopyTo(array, arrayIndex); }

        public bool Remove(T item) { lock (_items) return _items.Remove(item); }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
