namespace Summarizer.Cli.Backends;

/// <summary>One Server-Sent Events message: its <c>event</c> name, <c>id</c> and (joined) <c>data</c> lines.</summary>
internal sealed record ServerSentEvent(string Event, string? Id, string Data);
