namespace Summarizer.TestSupport.Load;

/// <summary>What a load run does: how many clients, for how long, with which documents, against which silo.</summary>
public sealed record LoadSettings
{
    /// <summary>Base URL of the silo's HTTP API.</summary>
    public required string BaseUrl { get; init; }

    /// <summary>API key of the submitting tenant; null for anonymous access.</summary>
    public string? ApiKey { get; init; }

    /// <summary>API key of an admin tenant, to sample <c>/v1/diagnostics</c>; null skips the memory checks.</summary>
    public string? AdminKey { get; init; }

    /// <summary>Concurrent clients, each submitting and streaming one job at a time.</summary>
    public int Clients { get; init; } = 4;

    /// <summary>How long clients keep submitting; jobs accepted by then are streamed to the end.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long accepted jobs may take to finish after <see cref="Duration"/>.</summary>
    public TimeSpan DrainLimit { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The documents, submitted in turn (distinct documents make the silo encode, cache and evict).</summary>
    public required IReadOnlyList<string> Documents { get; init; }

    /// <summary>The request options of every job (the JSON <c>options</c> object).</summary>
    public object Options { get; init; } = new { maxNewTokens = 16 };
}
