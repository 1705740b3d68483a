using Microsoft.Extensions.Logging;

namespace Summarizer.Grains.Tests;

/// <summary>Debugging aid: with SUMMARIZER_TEST_LOG set, every silo of a test cluster logs (Information and up) to that file.</summary>
internal sealed class FileLog(string path) : ILoggerProvider
{
    private static readonly object Gate = new();

    public ILogger CreateLogger(string categoryName) => new Logger(path, categoryName);

    public void Dispose() { }

    private sealed class Logger(string path, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            lock (Gate) File.AppendAllText(path, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception?.GetType().Name} {exception?.Message}\n");
        }
    }
}
