using System.Text.Json;

namespace Summarizer.Silo.Tests;

/// <summary>One Server-Sent Event as it came over the wire.</summary>
/// <param name="Id">The <c>id:</c> field (the job's event sequence).</param>
/// <param name="Event">The <c>event:</c> field: progress, delta, done or error.</param>
/// <param name="Data">The <c>data:</c> field (a SummaryEvent as JSON).</param>
public sealed record ServerSentEvent(string? Id, string? Event, string Data)
{
    /// <summary>The data parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    /// <summary>The data's <c>sequence</c>.</summary>
    public long Sequence => Json.GetProperty("sequence").GetInt64();

    /// <summary>The data's <c>text</c>.</summary>
    public string Text => Json.GetProperty("text").GetString()!;
}
