using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Summarizer.Silo.Tests;

/// <summary>Keeps every log line an app writes (message and exception, all categories) for assertions.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Everything logged so far, one entry per log call.</summary>
    public IReadOnlyList<string> Lines => _lines.ToArray();

    /// <summary>Everything logged so far as one text.</summary>
    public string Text => string.Join('\n', _lines);

    /// <summary>Adds this capture to <paramref name="logging"/> at <paramref name="level"/> and above, whatever the configured filters.</summary>
    public void AddTo(ILoggingBuilder logging, LogLevel level = LogLevel.Debug)
    {
        logging.AddProvider(this);
        logging.AddFilter<LogCapture>(null, level);
    }

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            // The formatted message, the structured values (in case a template leaves one out) and the whole exception.
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            owner._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} [{values}] {exception}");
        }
    }
}
