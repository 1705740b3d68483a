namespace Summarizer.Cli.Commands;

/// <summary>A mistake in what the user asked for (a missing file, a bad value): reported as one line, no stack trace.</summary>
internal sealed class CliException(string message, Exception? inner = null) : Exception(message, inner);
